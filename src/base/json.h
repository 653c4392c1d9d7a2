// JsonWriter: compact JSON output (sidecars, `query -o json`, the HTTP API).
// Not thread-safe; one writer per document.
//
//   JsonWriter w;
//   w.StartObject();
//   w.Field("Value", 42);  // w.Key("Value"); w.Int64(42);
//   w.EndObject();
//   std::string text = w.Take();
//
// Strings are escaped per RFC 8259; invalid UTF-8 is replaced, never emitted.
#ifndef CPROF_BASE_JSON_H_
#define CPROF_BASE_JSON_H_

#include <concepts>
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
  // Key(key) and then StartObject() or StartArray(): a member whose value
  // is an object or an array.
  void StartObject(std::string_view key);
  void StartArray(std::string_view key);
  void Key(std::string_view key);
  void String(std::string_view value);
  void Int64(int64_t value);
  void Uint64(uint64_t value);
  void Double(double value);
  void Bool(bool value);
  void Null();

  // Key(key) and then the value: one member of the object being written.
  // A string (a literal, std::string, std::string_view) is written as
  // String, a bool as Bool, a floating-point number as Double, a signed
  // integer as Int64, an unsigned one as Uint64, and a map as an object.
  void Field(std::string_view key, std::string_view value);
  void Field(std::string_view key, const char* value);  // else a literal would be a bool
  void Field(std::string_view key, bool value);
  void Field(std::string_view key, double value);
  template <std::integral T>
  void Field(std::string_view key, T value) {
    Key(key);
    if constexpr (std::signed_integral<T>) {
      Int64(value);
    } else {
      Uint64(value);
    }
  }
  // A map (std::map<std::string, V>, ...) is an object of its entries, each
  // a Field, in the map's order.
  template <typename Map>
  requires requires { typename Map::mapped_type; }
  void Field(std::string_view key, const Map& map) {
    StartObject(key);
    for (const auto& [k, v] : map) Field(k, v);
    EndObject();
  }
  // A member whose value is `map` as an array of objects, an entry each:
  //   [{"<key_name>": k, "<value_name>": v}, ...]   (Go's []struct{Key, Value}).
  template <typename Map>
  void EntryArray(std::string_view key, const Map& map, std::string_view key_name,
                  std::string_view value_name) {
    StartArray(key);
    for (const auto& [k, v] : map) {
      StartObject();
      Field(key_name, k);
      Field(value_name, v);
      EndObject();
    }
    EndArray();
  }

  // The document so far; the writer is empty afterwards.
  std::string Take();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cprof

#endif  // CPROF_BASE_JSON_H_
