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
// S3Client is thread-safe: requests from many threads at once share only
// its idle connections (base/fetcher.h's FetchPool, under a lock), and so
// do its copies. The parsers are pure functions.
#ifndef CPROF_ARCHIVE_S3_H_
#define CPROF_ARCHIVE_S3_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cprof {
struct FetchRequest;
class FetchPool;
}  // namespace cprof

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

// The UploadId of a CreateMultipartUpload answer
// (<InitiateMultipartUploadResult>); InvalidArgument when it has none.
Result<std::string> ParseUploadId(std::string_view xml);

// A part of a multipart upload: its number (1 to 10,000) and the ETag its
// UploadPart answered with (quotes included, as S3 sends it).
struct S3Part {
  int number = 0;
  std::string etag;
};
// The body of a CompleteMultipartUpload: every part in the order given
// (S3 wants ascending numbers), ETags XML-escaped.
std::string CompleteMultipartXml(const std::vector<S3Part>& parts);

// Whether a failed request is worth sending again, the same: no answer
// (`http_status` 0: connection refused or reset, timed out; or a 2xx cut
// short: `transfer` Unavailable), HTTP 429, 500, 502, 503 or 504, or an error
// document whose code is SlowDown, InternalError or ServiceUnavailable (S3
// may answer a CompleteMultipartUpload 200 with one). Never another 4xx, nor
// a response over its size cap: the same request would get the same answer.
bool S3Retryable(int http_status, const Status& transfer, std::string_view body);

// The pause before attempt `failed_attempts + 1`: `base` doubled for each
// failure after the first, capped at 20 s, then jittered into its upper half
// by `random01` in [0, 1) (so clients that failed together do not retry
// together).
std::chrono::milliseconds S3RetryDelay(std::chrono::milliseconds base, int failed_attempts,
                                       double random01);

// Whether `hex` is a SHA-256 as lowercase hex (64 digits), which a header
// may carry as it is.
bool IsSha256Hex(std::string_view hex);

// Whether "http(s)://host[:port]"'s host is an IPv4 or [IPv6] address.
bool EndpointIsIpAddress(std::string_view endpoint);

struct S3Options {
  // endpoint (""): "http(s)://host[:port]"; "" for AWS: https://s3.REGION.amazonaws.com.
  std::string endpoint;
  std::string region = "us-east-1";
  // path_style (false): https://endpoint/BUCKET/KEY (MinIO, moto, most
  //   self-hosted stores) instead of https://BUCKET.endpoint/KEY; always
  //   for an endpoint whose host is an IP address (EndpointIsIpAddress).
  bool path_style = false;
  std::string ca_file;  // CA certificates (PEM) for https; "" for the system's
  // timeout (60 s): each request, one attempt, connect included.
  std::chrono::seconds timeout{60};
  // max_attempts (4): times each request (a Put, Get, Delete, a page of a
  //   List, each step of a multipart upload) is sent while it fails in a way
  //   worth retrying (S3Retryable); 1 fails fast, as a check that a bucket
  //   is reachable wants. Values below 1 count as 1.
  // retry_backoff (200 ms): the pause after the first failure, doubled after
  //   each further one, jittered (S3RetryDelay): with the defaults a request
  //   gives up after 0.7 s to 1.4 s of pauses.
  int max_attempts = 4;
  std::chrono::milliseconds retry_backoff{200};
  // multipart_threshold (16 MiB): Put sends larger data as a multipart
  //   upload, in parts of
  // multipart_part_size (8 MiB): each part retried on its own. S3 refuses
  //   parts under 5 MiB but the last; more than 10,000 parts would be needed
  //   above 80 GB, where parts grow to fit.
  int64_t multipart_threshold = int64_t{16} << 20;
  int64_t multipart_part_size = int64_t{8} << 20;
  // get_part_size (8 MiB): Get asks for an object in ranges of this size:
  //   the first alone (its answer says the object's size), then the rest,
  //   get_parallelism (4) at once, each retried on its own and refused if
  //   the object changed meanwhile (If-Match its ETag).
  int64_t get_part_size = int64_t{8} << 20;
  int get_parallelism = 4;
};

// The objects of a bucket under a prefix. Every request is retried as
// S3Options says (max_attempts, retry_backoff: blocking in between); an
// error's message ends "; N attempts" when its request was sent more than
// once.
class S3Client {
 public:
  S3Client(S3Location location, S3Options options, S3Credentials credentials);

  // `key` is relative to the location's prefix ("2026-12-03/ab/x.pb.gz").
  // Data over multipart_threshold goes as a multipart upload, aborted when
  // any step fails for good, so none is left incomplete unless the abort
  // fails too (the message then says so, with the upload's id).
  // `sha256`: the data's SHA-256 when the caller has it (IsSha256Hex;
  // anything else is ignored), sent as x-amz-content-sha256 and signed as
  // the payload's hash instead of hashing the data again; not checked
  // here: S3 refuses a PUT whose data does not match it.
  Status Put(std::string_view key, std::string_view data, std::string_view sha256 = {});
  // NotFound for no such object; ResourceExhausted over `max_bytes`. In
  // ranges of get_part_size, read in parallel.
  Result<std::string> Get(std::string_view key, int64_t max_bytes = int64_t{1} << 30);
  // Up to `length` bytes of the object from `offset` (fewer at its end; none
  // past it); NotFound for no such object.
  Result<std::string> GetRange(std::string_view key, int64_t offset, int64_t length);
  // OK also when there was no such object (S3 answers 204 either way).
  Status Delete(std::string_view key);
  // Every object under `prefix` (keys relative, as for Get), or with a
  // delimiter ("/") the objects and sub-prefixes of that level only, all
  // pages.
  Status List(std::string_view prefix, std::string_view delimiter, std::vector<S3Object>* objects,
              std::vector<std::string>* prefixes);
  // The same, a page (up to 1,000 keys, in key order) at a time: `fn` may
  // take its vectors' contents; an error from it ends the listing.
  using ListPageFn =
      std::function<Status(std::vector<S3Object>& objects, std::vector<std::string>& prefixes)>;
  Status ListPages(std::string_view prefix, std::string_view delimiter, const ListPageFn& fn);

  // "s3://BUCKET/PREFIX/key", for messages.
  std::string Describe(std::string_view key) const;

 private:
  struct Answer;  // a FetchResult and how many attempts it took; in s3.cc

  // `request` signed and sent, again after a pause while it fails in a way
  // worth retrying, up to max_attempts times. With `error_document_fails`, a
  // 2xx whose body is an S3 <Error> counts as a failure.
  Answer Send(FetchRequest request, bool error_document_fails = false);
  Status PutMultipart(std::string_view key, std::string_view data);
  // The steps of a multipart upload of `key` (relative), for PutMultipart;
  // each fails with a message naming the step and the upload.
  Result<std::string> CreateMultipartUpload(std::string_view key);
  Result<std::string> UploadPart(std::string_view key, const std::string& upload_id, int number,
                                 std::string_view data);
  Status CompleteMultipartUpload(std::string_view key, const std::string& upload_id,
                                 const std::vector<S3Part>& parts);
  Status AbortMultipartUpload(std::string_view key, const std::string& upload_id);

  // The URL of `full_key` (the prefix's included), with `query` ("" for none).
  std::string Url(std::string_view full_key, std::string_view query) const;
  std::string FullKey(std::string_view key) const;
  // A failed answer as a Status naming the object, the status, for a 403 the
  // access key, and the attempts made when more than one.
  Status Failure(std::string_view what, const Answer& answer) const;

  S3Location location_;
  S3Options options_;
  S3Credentials credentials_;
  // The connections kept open between requests, shared by the client's
  // copies (each request takes one of its own).
  std::shared_ptr<FetchPool> pool_;
};

}  // namespace cprof::archive

#endif  // CPROF_ARCHIVE_S3_H_
