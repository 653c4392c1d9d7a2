// What every push route shares: who may push, how often, and the counting
// of what was archived and what refused (cprofiler_push_*_total).
#include "base/time.h"
#include "server/api.h"

namespace cprof::server {

Response Api::Refused(std::string_view reason, int status, std::string message) {
  if (refused_ != nullptr) refused_->Add({std::string(reason)});
  return Response::Text(status, std::move(message));
}

std::optional<Response> Api::Counted(std::string_view api, const ingest::Made& made) {
  if (made.refusal != ingest::Refusal::kNone) {
    return Refused(ingest::RefusalName(made.refusal),
                   made.refusal == ingest::Refusal::kTooLarge ? 413 : 400, made.status.message());
  }
  if (!made.status.ok()) {
    return Refused("write_failed", 503, "archive write: " + made.status.message());
  }
  if (pushed_ != nullptr) pushed_->Add({std::string(api)});
  return std::nullopt;
}

Response Api::Push(const Request& req, const Routed& routed) {
  if (options_.ingester == nullptr) {
    return Refused("disabled", 403,
                   "push is off: serve takes pushes with an --auth-file holding write tokens, "
                   "or with --allow-push");
  }
  if (req.body_over_limit) {
    return Refused("too_large", 413,
                   "a body of more than " +
                       std::to_string(options_.ingester->options().max_body_bytes) +
                       " bytes (push.max-body)");
  }
  if (options_.auth != nullptr) {
    switch (options_.auth->Check({req.authorization, ""}, req.client, NowMs(),
                                 Authenticator::Access::kWrite)) {
      case Authenticator::Verdict::kAllowed:
        break;
      case Authenticator::Verdict::kDenied: {
        Response r = Refused("unauthorized", 401, "push needs a token of role write");
        r.headers.emplace_back("WWW-Authenticate", "Bearer");
        return r;
      }
      case Authenticator::Verdict::kForbidden:
        return Refused("forbidden", 403, "push needs a token of role write (or admin)");
      case Authenticator::Verdict::kThrottled:
        return Refused("unauthorized", 429, "too many failed attempts: try again later");
    }
  }
  if (req.method != "POST") {
    Response r =
        Refused("method", 405, "method " + req.method.substr(0, 16) + " not allowed: POST");
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  if (!push_rate_.Allow(req.client, NowMs())) {
    Response r = Refused("rate_limited", 429,
                         "more than push.rate-limit pushes a second from " + req.client);
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  return routed.run();
}

}  // namespace cprof::server
