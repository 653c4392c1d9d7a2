#include "scrape/kubernetes_sd.h"

#include <rapidjson/document.h>

#include <cstdlib>

#include "base/fetcher.h"
#include "base/fs.h"
#include "base/json_read.h"
#include "base/log.h"
#include "base/url.h"

namespace cprof::scrape {
namespace {

constexpr std::string_view kServiceAccount = "/var/run/secrets/kubernetes.io/serviceaccount/";
constexpr int64_t kMaxListBytes = int64_t{64} << 20;
constexpr size_t kMaxEventBytes = 16 << 20;

using rapidjson::Value;

// Prometheus's label name sanitizing: every character other than letters,
// digits and _ becomes _.
std::string Sanitized(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      c = '_';
  }
  return out;
}

std::vector<TargetGroup> TargetsOfPod(const Value& pod) {
  std::vector<TargetGroup> out;
  const Value* meta = JsonMember(pod, "metadata");
  const Value* spec = JsonMember(pod, "spec");
  const Value* status = JsonMember(pod, "status");
  if (meta == nullptr || spec == nullptr || status == nullptr) return out;
  const std::string ip = JsonString(*status, "podIP");
  if (ip.empty()) return out;  // not scheduled or not started
  archive::Labels labels = {
      {"__meta_kubernetes_namespace", JsonString(*meta, "namespace")},
      {"__meta_kubernetes_pod_name", JsonString(*meta, "name")},
      {"__meta_kubernetes_pod_uid", JsonString(*meta, "uid")},
      {"__meta_kubernetes_pod_ip", ip},
      {"__meta_kubernetes_pod_host_ip", JsonString(*status, "hostIP")},
      {"__meta_kubernetes_pod_node_name", JsonString(*spec, "nodeName")},
      {"__meta_kubernetes_pod_phase", JsonString(*status, "phase")},
      {"__meta_kubernetes_pod_ready", "unknown"},
  };
  for (const auto& [field, prefix] :
       {std::pair{"labels", "label"}, std::pair{"annotations", "annotation"}}) {
    const Value* m = JsonMember(*meta, field);
    if (m == nullptr || !m->IsObject()) continue;
    for (const auto& kv : m->GetObject()) {
      if (!kv.value.IsString()) continue;
      const std::string name = Sanitized(kv.name.GetString());
      labels["__meta_kubernetes_pod_" + std::string(prefix) + "_" + name] = kv.value.GetString();
      labels["__meta_kubernetes_pod_" + std::string(prefix) + "present_" + name] = "true";
    }
  }
  if (const Value* owners = JsonMember(*meta, "ownerReferences");
      owners != nullptr && owners->IsArray()) {
    for (const Value& o : owners->GetArray()) {
      const Value* controller = JsonMember(o, "controller");
      if (controller == nullptr || !controller->IsBool() || !controller->GetBool()) continue;
      labels["__meta_kubernetes_pod_controller_kind"] = JsonString(o, "kind");
      labels["__meta_kubernetes_pod_controller_name"] = JsonString(o, "name");
    }
  }
  if (const Value* conditions = JsonMember(*status, "conditions");
      conditions != nullptr && conditions->IsArray()) {
    for (const Value& c : conditions->GetArray()) {
      if (JsonString(c, "type") == "Ready") {
        std::string ready = JsonString(c, "status");
        for (char& ch : ready) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        labels["__meta_kubernetes_pod_ready"] = ready;
      }
    }
  }
  const Value* containers = JsonMember(*spec, "containers");
  if (containers == nullptr || !containers->IsArray()) return out;
  for (const Value& c : containers->GetArray()) {
    archive::Labels with_container = labels;
    with_container["__meta_kubernetes_pod_container_name"] = JsonString(c, "name");
    const Value* ports = JsonMember(c, "ports");
    if (ports == nullptr || !ports->IsArray() || ports->Empty()) {
      out.push_back({{ip}, std::move(with_container)});
      continue;
    }
    for (const Value& p : ports->GetArray()) {
      const Value* number = JsonMember(p, "containerPort");
      if (number == nullptr || !number->IsInt()) continue;
      archive::Labels with_port = with_container;
      with_port["__meta_kubernetes_pod_container_port_name"] = JsonString(p, "name");
      with_port["__meta_kubernetes_pod_container_port_number"] = std::to_string(number->GetInt());
      std::string protocol = JsonString(p, "protocol");
      with_port["__meta_kubernetes_pod_container_port_protocol"] =
          protocol.empty() ? "TCP" : protocol;
      out.push_back({{ip + ":" + std::to_string(number->GetInt())}, std::move(with_port)});
    }
  }
  return out;
}

}  // namespace

Result<std::vector<TargetGroup>> PodTargets(std::string_view pod_json) {
  rapidjson::Document doc;
  doc.Parse(pod_json.data(), pod_json.size());
  if (doc.HasParseError() || !doc.IsObject())
    return Status::Corruption("a pod that is not a JSON object");
  return TargetsOfPod(doc);
}

struct KubernetesPods::Source {
  std::string path;  // /api/v1/pods or /api/v1/namespaces/NS/pods
  std::string resource_version;
  std::map<std::string, std::vector<TargetGroup>> pods;  // by uid; guarded by mu_
};

KubernetesPods::KubernetesPods(KubernetesSdConfig config) : config_(std::move(config)) {
  if (config_.namespaces.empty()) {
    sources_.push_back(std::make_unique<Source>(Source{"/api/v1/pods", "", {}}));
  }
  for (const std::string& ns : config_.namespaces) {
    sources_.push_back(std::make_unique<Source>(
        Source{"/api/v1/namespaces/" + PercentEncode(ns) + "/pods", "", {}}));
  }
}

KubernetesPods::~KubernetesPods() {
  stop_ = true;
  for (std::thread& t : watchers_) t.join();
}

namespace {

// The API server's base URL, token header and CA file: the config's, or
// in a pod, the service account's.
struct Endpoint {
  std::string base, ca_file;
  std::vector<std::string> headers;
};

Result<Endpoint> EndpointOf(const KubernetesSdConfig& c) {
  Endpoint e;
  e.base = c.api_server;
  std::string token_file = c.bearer_token_file;
  e.ca_file = c.ca_file;
  if (e.base.empty()) {
    const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
    const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
    if (host == nullptr || port == nullptr) {
      return Status::InvalidArgument(
          "no api-server, and not in a pod (KUBERNETES_SERVICE_HOST is not set)");
    }
    e.base = "https://" + std::string(host) + ":" + port;
    if (token_file.empty()) token_file = std::string(kServiceAccount) + "token";
    if (e.ca_file.empty()) e.ca_file = std::string(kServiceAccount) + "ca.crt";
  }
  while (!e.base.empty() && e.base.back() == '/') e.base.pop_back();
  if (!token_file.empty()) {
    CPROF_ASSIGN_OR_RETURN(std::string header, BearerHeader(token_file));
    e.headers.push_back(std::move(header));
  }
  e.headers.push_back("Accept: application/json");
  return e;
}

}  // namespace

Status KubernetesPods::List(Source& source) {
  CPROF_ASSIGN_OR_RETURN(Endpoint e, EndpointOf(config_));
  std::string url = e.base + source.path;
  if (!config_.label_selector.empty())
    url += "?labelSelector=" + PercentEncode(config_.label_selector);
  FetchResult result =
      FetchOne(FetchRequest{url, std::chrono::seconds(30), kMaxListBytes, 0, e.headers}, e.ca_file);
  if (!result.status.ok()) return result.status.WithContext(url);
  rapidjson::Document doc;
  doc.Parse(result.body.data(), result.body.size());
  const Value* items = doc.IsObject() ? JsonMember(doc, "items") : nullptr;
  if (doc.HasParseError() || items == nullptr || !items->IsArray()) {
    return Status::Corruption(url + ": not a PodList");
  }
  std::map<std::string, std::vector<TargetGroup>> pods;
  for (const Value& pod : items->GetArray()) {
    const Value* meta = JsonMember(pod, "metadata");
    if (meta != nullptr) pods[JsonString(*meta, "uid")] = TargetsOfPod(pod);
  }
  const Value* meta = JsonMember(doc, "metadata");
  std::lock_guard<std::mutex> lock(mu_);
  source.resource_version = meta != nullptr ? JsonString(*meta, "resourceVersion") : "";
  source.pods = std::move(pods);
  ++generation_;
  return Status::OK();
}

Status KubernetesPods::Watch(Source& source) {
  CPROF_ASSIGN_OR_RETURN(Endpoint e, EndpointOf(config_));
  std::string url = e.base + source.path + "?watch=1&allowWatchBookmarks=true";
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!source.resource_version.empty())
      url += "&resourceVersion=" + PercentEncode(source.resource_version);
  }
  if (!config_.label_selector.empty())
    url += "&labelSelector=" + PercentEncode(config_.label_selector);
  std::string pending;  // an event's first part
  Status event_error;
  auto on_data = [&](std::string_view data) {
    pending.append(data.data(), data.size());
    for (size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
      rapidjson::Document event;
      event.Parse(pending.data(), nl);
      if (event.HasParseError() || !event.IsObject()) continue;
      const std::string type = JsonString(event, "type");
      const Value* object = JsonMember(event, "object");
      if (object == nullptr) continue;
      if (type == "ERROR") {
        event_error = Status::Unavailable("watch error: " + JsonString(*object, "message"));
        return false;
      }
      const Value* meta = JsonMember(*object, "metadata");
      if (meta == nullptr) continue;
      std::lock_guard<std::mutex> lock(mu_);
      if (std::string rv = JsonString(*meta, "resourceVersion"); !rv.empty())
        source.resource_version = rv;
      if (type == "ADDED" || type == "MODIFIED") {
        source.pods[JsonString(*meta, "uid")] = TargetsOfPod(*object);
      } else if (type == "DELETED") {
        source.pods.erase(JsonString(*meta, "uid"));
      } else {
        continue;  // BOOKMARK: a resource version only
      }
      ++generation_;
    }
    return pending.size() <= kMaxEventBytes;
  };
  Status s = StreamGet(FetchRequest{url, std::chrono::seconds(30), 0, 0, e.headers}, e.ca_file,
                       std::chrono::minutes(5), on_data, stop_);
  return event_error.ok() ? s : event_error;
}

void KubernetesPods::Run(Source& source) {
  while (!stop_.load()) {
    Status s = Watch(source);
    if (stop_.load()) return;
    // Ended or broken: list again (the resource version may be gone), then
    // watch anew.
    LogInfo("scrape: kubernetes-sd: watch of " + source.path + " ended (" +
            (s.ok() ? std::string("by the server") : s.message()) + "): listing again");
    for (int wait = 0; wait < 10 && !stop_.load(); ++wait) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (Status listed = List(source); !listed.ok()) {
      LogError("scrape: kubernetes-sd: " + listed.message() + " (keeping the pods known)");
    }
  }
}

std::vector<TargetGroup> KubernetesPods::Groups(bool watch) {
  if (!listed_) {
    listed_ = true;
    for (auto& source : sources_) {
      if (Status s = List(*source); !s.ok()) LogError("scrape: kubernetes-sd: " + s.message());
    }
  }
  if (watch && watchers_.empty()) {
    for (auto& source : sources_) watchers_.emplace_back([this, s = source.get()] { Run(*s); });
  }
  std::vector<TargetGroup> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& source : sources_) {
    for (const auto& [uid, groups] : source->pods)
      out.insert(out.end(), groups.begin(), groups.end());
  }
  return out;
}

}  // namespace cprof::scrape
