#include "scrape/target_state.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <optional>
#include <set>
#include <tuple>

#include "base/hash.h"
#include "base/json.h"
#include "base/json_read.h"
#include "base/log.h"
#include "base/time.h"

namespace cprof::scrape {
namespace {

constexpr std::string_view kStateFile = "targets.json";
constexpr size_t kMaxStateBytes = 256 << 20;
constexpr int64_t kGoneScraperMs = 86'400'000;

using rapidjson::Value;

template <typename Map>
Map LabelsOf(const Value& o, const char* key) {
  Map out;
  const Value* labels = JsonMember(o, key);
  if (labels == nullptr || !labels->IsObject()) return out;
  for (const auto& m : labels->GetObject()) {
    if (m.value.IsString()) out.emplace(m.name.GetString(), m.value.GetString());
  }
  return out;
}

}  // namespace

std::string_view HealthOf(const ActiveTarget& t) {
  bool attempted = false;
  for (const ProfileState& p : t.profiles) {
    if (!p.last_error.empty()) return "down";
    attempted = attempted || p.last_attempt_ms > 0 || p.last_success_ms > 0;
  }
  return attempted ? "up" : "unknown";
}

void SortFailingFirst(std::vector<ActiveTarget>* targets) {
  std::stable_sort(targets->begin(), targets->end(),
                   [](const ActiveTarget& a, const ActiveTarget& b) {
    const bool a_down = HealthOf(a) == "down", b_down = HealthOf(b) == "down";
    return std::tie(b_down, a.job, a.app, a.host) < std::tie(a_down, b.job, b.app, b.host);
  });
}

std::string SerializeTargetsState(const TargetsState& s) {
  JsonWriter w(/*pretty=*/true);
  w.StartObject();
  w.Field("UpdatedAt", s.updated_ms);
  w.Field("Scraper", s.scraper);
  w.StartArray("ActiveTargets");
  for (const ActiveTarget& t : s.active) {
    w.StartObject();
    w.Field("Job", t.job);
    w.Field("App", t.app);
    w.Field("Host", t.host);
    w.Field("Health", HealthOf(t));
    w.Field("Labels", t.labels);
    w.Field("DiscoveredLabels", t.discovered);
    w.StartArray("Profiles");
    for (const ProfileState& p : t.profiles) {
      w.StartObject();
      w.Field("Type", p.type);
      w.Field("Url", p.url);
      w.Field("LastAttempt", p.last_attempt_ms);
      w.Field("LastSuccess", p.last_success_ms);
      w.Field("NextDue", p.next_due_ms);
      w.Field("LastError", p.last_error);
      w.Field("NotOffered", p.not_offered);
      w.Field("Scrapes", p.scrapes);
      w.Field("Errors", p.errors);
      w.Field("Bytes", p.bytes);
      w.Field("LastDuration", p.last_duration_ms);
      w.Field("Metrics", p.metrics);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.StartArray("DroppedTargets");
  for (const DroppedTarget& t : s.dropped) {
    w.StartObject();
    w.Field("Job", t.job);
    w.Field("DiscoveredLabels", t.discovered);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take() + "\n";
}

Result<TargetsState> ParseTargetsState(std::string_view json) {
  rapidjson::Document doc;
  // UTF-8 checked: SerializeTargetsState writes valid UTF-8 only (replacing
  // what is not), so a file that is not was not written by cprofiler, and
  // would not write back the same (label names in another order, or two
  // that differ only in invalid bytes as one name twice).
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(json.data(),
                                                                                    json.size());
  if (doc.HasParseError() || !doc.IsObject() || HasLoneLowSurrogate(json)) {
    return Status::Corruption("targets state: not a JSON object of valid UTF-8");
  }
  TargetsState s;
  s.updated_ms = JsonInt(doc, "UpdatedAt");
  s.scraper = JsonString(doc, "Scraper");
  if (const Value* a = JsonMember(doc, "ActiveTargets"); a != nullptr && a->IsArray()) {
    for (const auto& t : a->GetArray()) {
      if (!t.IsObject()) continue;
      ActiveTarget& out = s.active.emplace_back();
      out.job = JsonString(t, "Job");
      out.app = JsonString(t, "App");
      out.host = JsonString(t, "Host");
      out.labels = LabelsOf<archive::Labels>(t, "Labels");
      out.discovered = LabelsOf<LabelSet>(t, "DiscoveredLabels");
      if (const Value* p = JsonMember(t, "Profiles"); p != nullptr && p->IsArray()) {
        for (const auto& ps : p->GetArray()) {
          if (!ps.IsObject()) continue;
          ProfileState& state = out.profiles.emplace_back();
          state.type = JsonString(ps, "Type");
          state.url = JsonString(ps, "Url");
          state.last_attempt_ms = JsonInt(ps, "LastAttempt");
          state.last_success_ms = JsonInt(ps, "LastSuccess");
          state.next_due_ms = JsonInt(ps, "NextDue");
          state.last_error = JsonString(ps, "LastError");
          state.not_offered = JsonString(ps, "NotOffered");
          state.scrapes = JsonInt(ps, "Scrapes");
          state.errors = JsonInt(ps, "Errors");
          state.bytes = JsonInt(ps, "Bytes");
          state.last_duration_ms = JsonInt(ps, "LastDuration");
          if (const Value* m = JsonMember(ps, "Metrics"); m != nullptr && m->IsObject()) {
            for (const auto& v : m->GetObject()) {
              if (v.value.IsNumber()) state.metrics[v.name.GetString()] = v.value.GetDouble();
            }
          }
        }
      }
    }
  }
  if (const Value* d = JsonMember(doc, "DroppedTargets"); d != nullptr && d->IsArray()) {
    for (const auto& t : d->GetArray()) {
      if (t.IsObject())
        s.dropped.push_back({JsonString(t, "Job"), LabelsOf<LabelSet>(t, "DiscoveredLabels")});
    }
  }
  return s;
}

Result<TargetsState> ReadTargetsState(const fs::path& root) {
  const fs::path dir = root / std::string(kStateDir);
  std::vector<std::string> files = {std::string(kStateFile)};
  if (auto names = ListDir(dir); names.ok()) {
    for (const std::string& name : *names) {
      if (name.starts_with("targets.") && name.ends_with(".json") && name != kStateFile)
        files.push_back(name);
    }
  }
  std::optional<TargetsState> all;
  std::set<std::string> scrapers;
  for (const std::string& name : files) {
    const bool own = name == kStateFile;
    auto text = ReadFile(dir / name, kMaxStateBytes);
    if (!text.ok() && text.status().IsNotFound()) continue;
    Result<TargetsState> state =
        text.ok() ? ParseTargetsState(*text) : Result<TargetsState>(text.status());
    if (!state.ok()) {
      if (own) return state.status().WithContext((dir / name).string());
      // (another scraper's, from a bucket: the rest still show)
      LogError("skipping " + (dir / name).string() + ": " + state.status().message());
      continue;
    }
    // A scraper silent for a day is gone (a pod replaced, a host renamed).
    if (!own && state->updated_ms < NowMs() - kGoneScraperMs) continue;
    if (!all) all.emplace();
    all->updated_ms = std::max(all->updated_ms, state->updated_ms);
    if (!state->scraper.empty() && scrapers.insert(state->scraper).second) {
      all->scraper += (all->scraper.empty() ? "" : ", ") + state->scraper;
    }
    std::move(state->active.begin(), state->active.end(), std::back_inserter(all->active));
    std::move(state->dropped.begin(), state->dropped.end(), std::back_inserter(all->dropped));
  }
  if (!all)
    return Status::NotFound("no scrape pass has written " +
                            (dir / std::string(kStateFile)).string());
  return std::move(*all);
}

std::string SharedStateFile(std::string_view host, std::string_view instance) {
  std::string name = "targets.";
  for (char c : host) name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
  return name + "-" + Sha256Hex(instance).substr(0, 8) + ".json";
}

Status WriteTargetsState(const fs::path& root, const TargetsState& state) {
  const fs::path dir = root / std::string(kStateDir);
  CPROF_RETURN_IF_ERROR(MakeDirs(dir));
  return ReplaceFile(dir, kStateFile, SerializeTargetsState(state));
}

}  // namespace cprof::scrape
