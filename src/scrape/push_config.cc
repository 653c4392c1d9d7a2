// The `push:` block: what serve's push routes and `cprofiler import` take.
#include <yaml-cpp/yaml.h>

#include <charconv>

#include "scrape/config.h"
#include "scrape/config_parse.h"

namespace cprof::scrape::config_internal {

Status ParsePush(const Ctx& ctx, const YAML::Node& node, ingest::PushOptions* push) {
  if (node.IsNull()) return Status::OK();
  if (!node.IsMap()) return ctx.Error(node, "push", "must be a mapping");
  CPROF_RETURN_IF_ERROR(
      CheckKeys(ctx, node, "push",
                {"expiration", "max-body", "allowed-labels", "required-labels", "rate-limit"}));
  Nanos expiration{push->expiration_ns};
  CPROF_RETURN_IF_ERROR(
      GetDuration(ctx, node, "expiration", "push", /*allow_zero=*/true, &expiration));
  push->expiration_ns = expiration.count();
  CPROF_RETURN_IF_ERROR(
      GetSize(ctx, node, "max-body", "push", int64_t{1} << 30, &push->max_body_bytes));
  for (auto [key, out] : {std::pair{"allowed-labels", &push->allowed_labels},
                          {"required-labels", &push->required_labels}}) {
    YAML::Node list = node[key];
    if (!list || list.IsNull()) continue;
    const std::string path = std::string("push.") + key;
    CPROF_RETURN_IF_ERROR(GetStrings(ctx, list, path, out));
    for (size_t i = 0; i < out->size(); ++i) {
      const std::string& name = (*out)[i];
      if (!ValidLabelName(name) || name[0] == '_') {
        return ctx.Error(list.IsSequence() ? list[i] : list, path,
                         "bad label name \"" + name + "\"");
      }
    }
  }
  if (YAML::Node rate = node["rate-limit"]) {
    std::string text;
    CPROF_RETURN_IF_ERROR(GetScalar(ctx, rate, "push.rate-limit", &text));
    double v = -1;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v < 0 || v > 1e9) {
      return ctx.Error(rate, "push.rate-limit",
                       "want pushes a second per client address, 0 for no limit");
    }
    push->rate_per_second = v;
  }
  return Status::OK();
}

}  // namespace cprof::scrape::config_internal
