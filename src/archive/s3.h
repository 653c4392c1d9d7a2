// An S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Garage, GCS's interop
// endpoint) as a store of the archive's files: objects put, got, listed and
// deleted under a prefix, with requests signed by AWS Signature Version 4
// (libcurl's, through base/fetcher.h: no SDK). The archive's relative paths
// are the keys under the prefix, so `aws s3 sync` copies an archive to and
// from disk as it is.
//
// Credentials never come from the config: the standard AWS environment
// variables, else the shared credentials file. Every error names the bucket,
// the key and the HTTP status; a 403 names the access key that was used.
//
// S3Client is thread-compatible (one per thread, or guarded); the parsers are
// pure functions.
#ifndef CPROF_ARCHIVE_S3_H_
#define CPROF_ARCHIVE_S3_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cprof::archive {

// "s3://BUCKET/PREFIX" (PREFIX may be empty; no trailing '/' kept).
struct S3Location {
  std::string bucket;
  std::string prefix;
};
// InvalidArgument, with the form wanted, for anything else.
Result<S3Location> ParseS3Url(std::string_view url);

struct S3Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // "" unless temporary credentials
  std::string source;         // where they came from, for messages
};

// The [profile] section's aws_access_key_id, aws_secret_access_key and
// aws_session_token of an AWS shared credentials file; NotFound when the
// profile or its keys are missing. `source` names the file in messages.
Result<S3Credentials> ParseCredentialsFile(std::string_view text, std::string_view profile,
                                           std::string_view source);

// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) from
// `getenv`, else the file AWS_SHARED_CREDENTIALS_FILE names (default
// $HOME/.aws/credentials), profile AWS_PROFILE (default "default").
// NotFound saying where it looked.
Result<S3Credentials> LoadS3Credentials(const std::function<const char*(const char*)>& getenv);

// An object of a listing.
struct S3Object {
  std::string key;
  int64_t size = 0;
  int64_t last_modified_ms = 0;  // 0 if the listing did not say
};

// One page of ListObjectsV2.
struct S3ListPage {
  std::vector<S3Object> objects;      // in the listing's order
  std::vector<std::string> prefixes;  // common prefixes (with a delimiter)
  bool truncated = false;
  std::string next_token;  // NextContinuationToken when truncated
};
// The XML of a ListObjectsV2 answer; InvalidArgument when it is not one.
Result<S3ListPage> ParseListObjectsV2(std::string_view xml);

// "AccessDenied: Access Denied" from an S3 error document, "" if none.
std::string ParseS3Error(std::string_view xml);

struct S3Options {
  // endpoint (""): "http(s)://host[:port]"; "" for AWS: https://s3.REGION.amazonaws.com.
  std::string endpoint;
  std::string region = "us-east-1";
  // path_style (false): https://endpoint/BUCKET/KEY (MinIO, moto, most
  //   self-hosted stores) instead of https://BUCKET.endpoint/KEY.
  bool path_style = false;
  std::string ca_file;  // CA certificates (PEM) for https; "" for the system's
  std::chrono::seconds timeout{60};
};

class S3Client {
 public:
  S3Client(S3Location location, S3Options options, S3Credentials credentials);

  // `key` is relative to the location's prefix ("2026-12-03/ab/x.pb.gz").
  Status Put(std::string_view key, std::string_view data);
  // NotFound for no such object.
  Result<std::string> Get(std::string_view key, int64_t max_bytes = int64_t{1} << 30);
  // OK also when there was no such object (S3 answers 204 either way).
  Status Delete(std::string_view key);
  // Every object under `prefix` (keys relative, as for Get), or with a
  // delimiter ("/") the objects and sub-prefixes of that level only, all
  // pages.
  Status List(std::string_view prefix, std::string_view delimiter,
              std::vector<S3Object>* objects, std::vector<std::string>* prefixes);

  // "s3://BUCKET/PREFIX/key", for messages.
  std::string Describe(std::string_view key) const;

 private:
  // The URL of `key` (relative), with `query` ("" for none).
  std::string Url(std::string_view full_key, std::string_view query) const;
  std::string FullKey(std::string_view key) const;
  // A failed answer as a Status naming the object, the status and, for a
  // 403, the access key.
  Status Failure(std::string_view what, int http_status, const Status& transfer,
                 std::string_view body) const;

  S3Location location_;
  S3Options options_;
  S3Credentials credentials_;
};

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_S3_H_
