#include "scrape/config_parse.h"

#include <set>

#include "base/size.h"

namespace cprof::scrape::config_internal {

Status Ctx::Error(const YAML::Node& node, std::string_view path, std::string_view message) const {
  std::string m = source_;
  YAML::Mark mark = node.Mark();
  if (mark.line >= 0) {
    m += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  m += ": ";
  if (!path.empty()) {
    m += path;
    m += ": ";
  }
  m += message;
  return Status::InvalidArgument(std::move(m));
}

Status CheckKeys(const Ctx& ctx, const YAML::Node& map, std::string_view path,
                 std::initializer_list<std::string_view> allowed) {
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;  // (a copy: it-> is a temporary)
    if (!key.IsScalar()) return ctx.Error(key, path, "keys must be strings");
    std::string k = key.Scalar();
    bool known = false;
    for (std::string_view a : allowed) known = known || a == k;
    if (!known) {
      std::string list;
      for (std::string_view a : allowed) {
        if (!list.empty()) list += ", ";
        list += a;
      }
      return ctx.Error(key, path, "unknown key \"" + k + "\" (known: " + list + ")");
    }
    if (!seen.insert(k).second) {
      return ctx.Error(key, path, "duplicate key \"" + k + "\"");
    }
  }
  return Status::OK();
}

Status GetScalar(const Ctx& ctx, const YAML::Node& node, std::string_view path, std::string* out) {
  if (!node.IsScalar()) return ctx.Error(node, path, "must be a single value");
  *out = node.Scalar();
  return Status::OK();
}

Status GetDuration(const Ctx& ctx, const YAML::Node& map, const char* key, std::string_view path,
                   bool allow_zero, Nanos* out) {
  YAML::Node node = map[key];
  if (!node) return Status::OK();
  std::string full = std::string(path) + "." + key;
  std::string text;
  CPROF_RETURN_IF_ERROR(GetScalar(ctx, node, full, &text));
  auto d = ParseDuration(text);
  if (!d.ok()) return ctx.Error(node, full, d.status().message());
  if (d->count() == 0 && !allow_zero) {
    return ctx.Error(node, full, "must be greater than 0");
  }
  *out = *d;
  return Status::OK();
}

Status GetSize(const Ctx& ctx, const YAML::Node& map, const char* key, std::string_view path,
               int64_t max, int64_t* out) {
  YAML::Node node = map[key];
  if (!node) return Status::OK();
  std::string full = path.empty() ? std::string(key) : std::string(path) + "." + key;
  std::string text;
  CPROF_RETURN_IF_ERROR(GetScalar(ctx, node, full, &text));
  auto size = ParseSize(text, max);
  if (!size.ok()) return ctx.Error(node, full, size.status().message());
  *out = *size;
  return Status::OK();
}

Status GetStrings(const Ctx& ctx, const YAML::Node& node, const std::string& path,
                  std::vector<std::string>* out) {
  if (node.IsScalar()) {
    out->push_back(node.Scalar());
    return Status::OK();
  }
  if (!node.IsSequence()) return ctx.Error(node, path, "must be a list of strings");
  for (size_t i = 0; i < node.size(); ++i) {
    std::string v;
    CPROF_RETURN_IF_ERROR(GetScalar(ctx, node[i], path + "[" + std::to_string(i) + "]", &v));
    out->push_back(std::move(v));
  }
  return Status::OK();
}

Status ForEachMapping(const Ctx& ctx, const YAML::Node& node, std::string_view path,
                      const char* key, std::string_view shape,
                      const std::function<Status(const YAML::Node&, const std::string&)>& parse) {
  YAML::Node list = node[key];
  if (!list) return Status::OK();
  const std::string lp = std::string(path) + "." + key;
  if (!list.IsSequence() || list.size() == 0) {
    return ctx.Error(list, lp, "must be a non-empty list of " + std::string(shape));
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string ip = lp + "[" + std::to_string(i) + "]";
    if (!list[i].IsMap()) return ctx.Error(list[i], ip, "must be a mapping: " + std::string(shape));
    CPROF_RETURN_IF_ERROR(parse(list[i], ip));
  }
  return Status::OK();
}

Status GetNonEmptyScalars(const Ctx& ctx, const YAML::Node& node, std::string_view section,
                          std::initializer_list<std::pair<const char*, std::string*>> fields) {
  for (auto [key, field] : fields) {
    if (YAML::Node value = node[key]) {
      const std::string path = std::string(section) + "." + key;
      CPROF_RETURN_IF_ERROR(GetScalar(ctx, value, path, field));
      if (field->empty()) return ctx.Error(value, path, "must not be empty");
    }
  }
  return Status::OK();
}

}  // namespace cprof::scrape::config_internal
