#include "base/json.h"

#include <catch2/catch.hpp>

#include <map>

using namespace cprof;

namespace {

std::string Written(std::string_view value) {
  JsonWriter w;
  w.String(value);
  return w.Take();
}

}  // namespace

TEST_CASE("JsonWriter writes well-formed UTF-8 as it is, and U+FFFD for the rest", "[json]") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(Written("plain") == "\"plain\"");
  CHECK(Written("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x94\xA5") ==
        "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x94\xA5\"");
  CHECK(Written("\xF4\x8F\xBF\xBF") == "\"\xF4\x8F\xBF\xBF\"");  // U+10FFFF, the last
  // A stray continuation byte, a truncated sequence.
  CHECK(Written("a\x80z") == "\"a" + fffd + "z\"");
  CHECK(Written("\xE2\x82") == "\"" + fffd + fffd + "\"");
  // Overlong forms of '/' and of U+0800's neighbours.
  CHECK(Written("\xC0\xAF") == "\"" + fffd + fffd + "\"");
  CHECK(Written("\xE0\x9F\xBF") == "\"" + fffd + fffd + fffd + "\"");
  CHECK(Written("\xF0\x8F\xBF\xBF") == "\"" + fffd + fffd + fffd + fffd + "\"");
  // Surrogates (U+D800, U+DC11) and beyond U+10FFFF.
  CHECK(Written("\xED\xA0\x80") == "\"" + fffd + fffd + fffd + "\"");
  CHECK(Written("\xED\xB0\x91") == "\"" + fffd + fffd + fffd + "\"");
  CHECK(Written("\xF4\x90\x80\x80") == "\"" + fffd + fffd + fffd + fffd + "\"");
}

TEST_CASE("JsonWriter::Field writes a key and its value as the value's type says", "[json]") {
  JsonWriter w;
  w.StartObject();
  const std::string s = "str";
  w.Field("literal", "x");
  w.Field("string", s);
  w.Field("view", std::string_view("v"));
  w.Field("bool", true);
  w.Field("int", -3);
  w.Field("int64", int64_t{-4'000'000'000});
  w.Field("size", size_t{18'446'744'073'709'551'615u});
  w.Field("double", 0.5);
  w.EndObject();
  CHECK(w.Take() ==
        R"({"literal":"x","string":"str","view":"v","bool":true,"int":-3,"int64":-4000000000,)"
        R"("size":18446744073709551615,"double":0.5})");
}

TEST_CASE("JsonWriter::StartObject and StartArray with a key open a member", "[json]") {
  JsonWriter w;
  w.StartObject();
  w.StartObject("o");
  w.Field("n", 1);
  w.EndObject();
  w.StartArray("a");
  w.String("s");
  w.EndArray();
  w.EndObject();
  CHECK(w.Take() == R"({"o":{"n":1},"a":["s"]})");
}

TEST_CASE("JsonWriter writes a map as an object, or as an array of entries", "[json]") {
  const std::map<std::string, std::string> labels = {{"b", "2"}, {"a", "1"}};
  const std::map<std::string, double> metrics = {{"x", 1.5}};
  JsonWriter w;
  w.StartObject();
  w.Field("labels", labels);
  w.Field("metrics", metrics);
  w.Field("none", std::map<std::string, std::string>{});
  w.EntryArray("entries", labels, "Key", "Value");
  w.EndObject();
  CHECK(w.Take() == R"({"labels":{"a":"1","b":"2"},"metrics":{"x":1.5},"none":{},)"
                    R"("entries":[{"Key":"a","Value":"1"},{"Key":"b","Value":"2"}]})");
}
