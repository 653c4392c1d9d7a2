// Status and Result<T>: how every layer below cli/ reports failure.
//
// Nothing below cli/ throws or exits. A function that can fail returns a
// Status (leveldb's shape: a code plus a one-line message) or a Result<T>
// holding either a T or a non-OK Status. Both are value types, cheap to
// move, and thread-compatible (no shared state).
#ifndef CPROF_BASE_STATUS_H_
#define CPROF_BASE_STATUS_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace cprof {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // bad input from the user: flags, config, request
    kNotFound,
    kCorruption,  // bytes on disk or on the wire that do not parse
    kIOError,
    kUnavailable,        // a peer that did not answer, or a lock held elsewhere
    kResourceExhausted,  // a size or count cap was hit
  };

  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return Status(Code::kInvalidArgument, std::move(m));
  }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status Corruption(std::string m) { return Status(Code::kCorruption, std::move(m)); }
  static Status IOError(std::string m) { return Status(Code::kIOError, std::move(m)); }
  static Status Unavailable(std::string m) { return Status(Code::kUnavailable, std::move(m)); }
  static Status ResourceExhausted(std::string m) {
    return Status(Code::kResourceExhausted, std::move(m));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }

  // "ok", or the message alone: messages are written to stand by themselves.
  std::string ToString() const { return ok() ? "ok" : message_; }

  // The same code with `context: ` put before the message.
  Status WithContext(std::string_view context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Either a value or a non-OK Status. Accessing the value of a failed Result
// is a programming error (asserted in debug builds).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace cprof

#define CPROF_CONCAT_INNER_(a, b) a##b
#define CPROF_CONCAT_(a, b) CPROF_CONCAT_INNER_(a, b)

#define CPROF_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::cprof::Status cprof_status_ = (expr);        \
    if (!cprof_status_.ok()) return cprof_status_; \
  } while (0)

#define CPROF_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

#define CPROF_ASSIGN_OR_RETURN(lhs, expr) \
  CPROF_ASSIGN_OR_RETURN_IMPL_(CPROF_CONCAT_(cprof_result_, __LINE__), lhs, expr)

#endif  // CPROF_BASE_STATUS_H_
