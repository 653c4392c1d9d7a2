// JsonWriter: compact JSON output (sidecars, `query -o json`, the HTTP API).
// Not thread-safe; one writer per document.
//
//   JsonWriter w;
//   w.StartObject();
//   w.Key("Value"); w.Int64(42);
//   w.EndObject();
//   std::string text = w.Take();
//
// Strings are escaped per RFC 8259; invalid UTF-8 is replaced, never emitted.
#ifndef CPROF_BASE_JSON_H_
#define CPROF_BASE_JSON_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace cprof {

class JsonWriter {
 public:
  // pretty (false): indent by two spaces, one member per line.
  explicit JsonWriter(bool pretty = false);
  ~JsonWriter();
  // Not copyable. Movable.
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;
  JsonWriter(JsonWriter&&) noexcept;
  JsonWriter& operator=(JsonWriter&&) noexcept;

  void StartObject();
  void EndObject();
  void StartArray();
  void EndArray();
  void Key(std::string_view key);
  void String(std::string_view value);
  void Int64(int64_t value);
  void Uint64(uint64_t value);
  void Double(double value);
  void Bool(bool value);
  void Null();

  // The document so far; the writer is empty afterwards.
  std::string Take();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cprof

#endif  // CPROF_BASE_JSON_H_
