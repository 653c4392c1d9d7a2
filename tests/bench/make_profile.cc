// make_profile: writes a synthetic CPU-like profile of at least SIZE_MB
// megabytes uncompressed, gzipped, for the report benchmark.
//
//   make_profile OUT SIZE_MB [STACKS [heap [SEED]]]
//
// 20,000 functions in a call graph where each frame calls one of 8
// children, stacks 20-40 deep, an inlined pair in 1 location of 10.
// With STACKS, samples draw from a pool of that many distinct stacks (the
// most common most often) and differ by a request label, as CPU profiles of
// services using pprof labels do; without, every sample is its own random
// stack (a worst case: millions of distinct paths). With heap, the profile
// is a Go heap profile's shape instead: alloc_objects, alloc_space,
// inuse_objects and inuse_space, each sample an allocation size (its
// "bytes" numeric label) times a count, and no request labels. With SEED,
// the samples are drawn from the same pool by a generator seeded with it:
// profiles of one program at different times, for merge benchmarks.
#include <cstdio>
#include <random>
#include <string>

#include "base/fs.h"
#include "pprof/codec.h"

using namespace cprof;

int main(int argc, char** argv) {
  const bool heap = argc >= 5 && std::string(argv[4]) == "heap";
  if (argc < 3 || argc > 6 || (argc >= 5 && !heap)) {
    std::fprintf(stderr, "usage: make_profile OUT SIZE_MB [STACKS [heap [SEED]]]\n");
    return 2;
  }
  const size_t want = static_cast<size_t>(std::stol(argv[2])) << 20;
  pprof::Profile p;
  p.add_string_table("");
  auto str = [&](const std::string& s) {
    p.add_string_table(s);
    return static_cast<int64_t>(p.string_table_size() - 1);
  };
  auto sample_type = [&](const char* type, const char* unit) {
    auto* t = p.add_sample_type();
    t->set_type(str(type));
    t->set_unit(str(unit));
  };
  if (heap) {
    sample_type("alloc_objects", "count");
    sample_type("alloc_space", "bytes");
    sample_type("inuse_objects", "count");
    sample_type("inuse_space", "bytes");
    p.mutable_period_type()->set_type(str("space"));
    p.mutable_period_type()->set_unit(str("bytes"));
    p.set_period(512 * 1024);
  } else {
    sample_type("samples", "count");
    sample_type("cpu", "nanoseconds");
    p.mutable_period_type()->set_type(str("cpu"));
    p.mutable_period_type()->set_unit(str("nanoseconds"));
    p.set_period(10'000'000);
    p.set_duration_nanos(60'000'000'000);
  }
  auto* m = p.add_mapping();
  m->set_id(1);
  m->set_memory_start(0x400000);
  m->set_memory_limit(0x4000000);
  m->set_filename(str("/usr/bin/synthetic"));
  const int kFunctions = 20000;
  int64_t file = str("/src/synthetic/code.go");
  for (int i = 0; i < kFunctions; ++i) {
    auto* f = p.add_function();
    f->set_id(i + 1);
    f->set_name(str("synthetic/pkg" + std::to_string(i % 97) + ".Function" + std::to_string(i)));
    f->set_system_name(f->name());
    f->set_filename(file);
    f->set_start_line(i);
    auto* l = p.add_location();
    l->set_id(i + 1);
    l->set_mapping_id(1);
    l->set_address(0x401000 + 16 * i);
    auto* line = l->add_line();
    line->set_function_id(i + 1);
    line->set_line(i % 1000 + 1);
    if (i % 10 == 0 && i + 1 < kFunctions) {  // an inlined callee first
      auto* outer = l->add_line();
      *outer = *line;
      line->set_function_id(i + 2);
    }
  }
  std::mt19937_64 rng(42);
  auto random_stack = [&] {
    int depth = 20 + static_cast<int>(rng() % 21);
    int fn = static_cast<int>(rng() % 64);  // a few roots
    std::vector<uint64_t> stack;
    for (int d = 0; d < depth; ++d) {
      stack.push_back(static_cast<uint64_t>(fn + 1));
      fn = static_cast<int>((static_cast<uint64_t>(fn) * 8 + 1 + rng() % 8) % kFunctions);
    }
    return stack;
  };
  const int pool_size = argc >= 4 ? std::stoi(argv[3]) : 0;
  std::vector<std::vector<uint64_t>> pool;
  for (int i = 0; i < pool_size; ++i) pool.push_back(random_stack());
  if (argc == 6) rng.seed(42 + std::stoull(argv[5]));
  const int64_t key = str("request"), span = str("span"), bytes_key = str("bytes");
  const int64_t bytes_unit = str("bytes");
  std::vector<int64_t> label_values;
  for (int i = 0; i < 5000; ++i) label_values.push_back(str("req-" + std::to_string(i)));
  size_t size = 0;
  while (size < want) {
    for (int n = 0; n < 10000; ++n) {
      auto* s = p.add_sample();
      std::vector<uint64_t> stack;
      if (pool.empty()) {
        stack = random_stack();
      } else {
        // Skewed: the square of a uniform draw favours the first stacks.
        double u = static_cast<double>(rng() % 1000000) / 1e6;
        stack = pool[static_cast<size_t>(u * u * pool.size())];
      }
      if (!pool.empty() && !heap) {  // (Go's heap profiles carry no pprof labels)
        auto* l = s->add_label();
        l->set_key(key);
        l->set_str(label_values[rng() % label_values.size()]);
        auto* l2 = s->add_label();
        l2->set_key(span);
        l2->set_str(label_values[rng() % label_values.size()]);
      }
      for (auto it = stack.rbegin(); it != stack.rend(); ++it) s->add_location_id(*it);
      int64_t count = 1 + static_cast<int64_t>(rng() % 5);
      if (heap) {
        const int64_t bytes = int64_t{16} << (rng() % 12);  // 16 B to 32 kB
        auto* l = s->add_label();
        l->set_key(bytes_key);
        l->set_num(bytes);
        l->set_num_unit(bytes_unit);
        const int64_t inuse = static_cast<int64_t>(rng() % 2) * count;
        s->add_value(count);
        s->add_value(count * bytes);
        s->add_value(inuse);
        s->add_value(inuse * bytes);
      } else {
        s->add_value(count);
        s->add_value(count * 10'000'000);
      }
    }
    size = p.ByteSizeLong();
  }
  if (Status st = WriteFileAtomic(
          fs::path(argv[1]).parent_path().empty() ? "." : fs::path(argv[1]).parent_path(),
          fs::path(argv[1]).filename().string(), pprof::EncodeProfile(p), false);
      !st.ok()) {
    std::fprintf(stderr, "make_profile: %s\n", st.message().c_str());
    return 1;
  }
  std::printf("make_profile: %d samples, %.1f MB uncompressed\n", p.sample_size(),
              size / 1048576.0);
  return 0;
}
