// s3_tool: archive::S3Client from the command line, for tests/e2e/s3_test.sh
// (against a loopback moto_server) until the archive itself lives in a
// bucket. Credentials as the client loads them (AWS_* variables, or the
// shared credentials file).
//
//   s3_tool [OPTION...] ENDPOINT s3://BUCKET/PREFIX put KEY FILE | get KEY
//                                       | delete KEY | list PREFIX [DELIMITER]
//
// OPTIONs set S3Options' fields of the same names (else their defaults):
//   --max-attempts N  --retry-backoff-ms N  --multipart-threshold BYTES
//   --multipart-part-size BYTES  --get-part-size BYTES
//
// Path-style requests; region us-east-1; 10 s a request. Prints what it got;
// exit 0, or 1 with the client's message on stderr.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "archive/s3.h"
#include "base/fs.h"

using namespace cprof;

int main(int argc, char** argv) {
  archive::S3Options options;
  while (argc > 2 && std::string_view(argv[1]).starts_with("--")) {
    const std::string_view flag = argv[1];
    char* end = nullptr;
    const long long n = std::strtoll(argv[2], &end, 10);
    if (*end != '\0' || n < 0) {
      std::fprintf(stderr, "s3_tool: %s wants a number\n", argv[1]);
      return 2;
    }
    if (flag == "--max-attempts") {
      options.max_attempts = static_cast<int>(n);
    } else if (flag == "--retry-backoff-ms") {
      options.retry_backoff = std::chrono::milliseconds(n);
    } else if (flag == "--multipart-threshold") {
      options.multipart_threshold = n;
    } else if (flag == "--multipart-part-size") {
      options.multipart_part_size = n;
    } else if (flag == "--get-part-size") {
      options.get_part_size = n;
    } else {
      std::fprintf(stderr, "s3_tool: unknown option %s\n", argv[1]);
      return 2;
    }
    argc -= 2;
    argv += 2;
  }
  if (argc < 5) {
    std::fprintf(
        stderr, "usage: s3_tool [OPTION...] ENDPOINT s3://BUCKET/PREFIX put|get|delete|list ...\n");
    return 2;
  }
  auto location = archive::ParseS3Url(argv[2]);
  if (!location.ok()) {
    std::fprintf(stderr, "%s\n", location.status().message().c_str());
    return 2;
  }
  auto credentials = archive::LoadS3Credentials(std::getenv);
  if (!credentials.ok()) {
    std::fprintf(stderr, "%s\n", credentials.status().message().c_str());
    return 1;
  }
  options.endpoint = argv[1];
  options.path_style = true;
  options.timeout = std::chrono::seconds(10);
  archive::S3Client client(*location, options, *credentials);
  const std::string op = argv[3];
  Status s;
  if (op == "put" && argc == 6) {
    auto data = ReadFile(argv[5], size_t{1} << 30);
    s = data.ok() ? client.Put(argv[4], *data) : data.status();
  } else if (op == "get" && argc == 5) {
    auto data = client.Get(argv[4]);
    if (data.ok()) std::fwrite(data->data(), 1, data->size(), stdout);
    s = data.status();
  } else if (op == "delete" && argc == 5) {
    s = client.Delete(argv[4]);
  } else if (op == "list" && (argc == 5 || argc == 6)) {
    std::vector<archive::S3Object> objects;
    std::vector<std::string> prefixes;
    s = client.List(argv[4], argc == 6 ? argv[5] : "", &objects, &prefixes);
    for (const archive::S3Object& o : objects) std::printf("%s\n", o.key.c_str());
    for (const std::string& p : prefixes) std::printf("%s (prefix)\n", p.c_str());
  } else {
    std::fprintf(stderr, "s3_tool: bad arguments for %s\n", op.c_str());
    return 2;
  }
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }
  return 0;
}
