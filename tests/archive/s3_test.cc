#include "archive/s3.h"

#include <catch2/catch.hpp>

#include <map>

#include "base/hash.h"

using namespace cprof;
using namespace cprof::archive;

TEST_CASE("s3:// URLs: a bucket and a prefix, or a clear error", "[s3]") {
  auto a = ParseS3Url("s3://profiles/fleet/eu/");
  REQUIRE(a.ok());
  CHECK(a->bucket == "profiles");
  CHECK(a->prefix == "fleet/eu");
  auto b = ParseS3Url("s3://my.bucket-1");
  REQUIRE(b.ok());
  CHECK(b->prefix.empty());
  for (const char* bad :
       {"profiles/x", "s3://", "s3://AB/x", "s3://a/x", "s3://bucket//x", "https://bucket/x"}) {
    INFO(bad);
    auto r = ParseS3Url(bad);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("want s3://BUCKET/PREFIX"));
  }
}

TEST_CASE("Credentials: the environment first, else the shared file's profile", "[s3]") {
  const std::string file =
      "# comment\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key=s1\n\n"
      "[ci]\r\naws_access_key_id=AKIACI\r\naws_secret_access_key = s2\r\n"
      "aws_session_token = tok\r\n[empty]\naws_access_key_id=x\n";
  auto d = ParseCredentialsFile(file, "default", "creds");
  REQUIRE(d.ok());
  CHECK(d->access_key == "AKIADEFAULT");
  CHECK(d->secret_key == "s1");
  CHECK(d->session_token.empty());
  CHECK(d->source == "creds [default]");
  auto ci = ParseCredentialsFile(file, "ci", "creds");
  REQUIRE(ci.ok());
  CHECK(ci->secret_key == "s2");
  CHECK(ci->session_token == "tok");
  CHECK(ParseCredentialsFile(file, "nosuch", "creds").status().IsNotFound());
  CHECK_THAT(ParseCredentialsFile(file, "empty", "creds").status().message(),
             Catch::Contains("lacks aws_access_key_id or aws_secret_access_key"));

  std::map<std::string, std::string> env = {{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                                            {"AWS_SECRET_ACCESS_KEY", "s3"}};
  auto getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto e = LoadS3Credentials(getenv);
  REQUIRE(e.ok());
  CHECK(e->access_key == "AKIAENV");
  CHECK(e->source == "$AWS_ACCESS_KEY_ID");
  env = {{"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"}, {"AWS_PROFILE", "ci"}};
  auto none = LoadS3Credentials(getenv);
  REQUIRE(none.status().IsNotFound());
  CHECK_THAT(none.status().message(), Catch::Contains("/nonexistent/credentials [ci]"));
}

TEST_CASE("ListObjectsV2 answers: keys, common prefixes, the continuation", "[s3]") {
  auto page = ParseListObjectsV2(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>arch/</Prefix>
<Contents><Key>arch/a&amp;b&lt;c&#233;&#x1F525;.json</Key><Size>1</Size></Contents>
<Contents><Key>arch/d.pb.gz</Key><LastModified>2026-12-03T10:00:01.500Z</LastModified><Size>4096</Size></Contents>
<CommonPrefixes><Prefix>arch/2026-12-03/</Prefix></CommonPrefixes>
<IsTruncated>true</IsTruncated><NextContinuationToken>1/x+y=</NextContinuationToken>
</ListBucketResult>)");
  REQUIRE(page.ok());
  REQUIRE(page->objects.size() == 2);
  CHECK(page->objects[0].key == "arch/a&b<c\xC3\xA9\xF0\x9F\x94\xA5.json");
  CHECK(page->objects[0].size == 1);
  CHECK(page->objects[1].key == "arch/d.pb.gz");
  CHECK(page->objects[1].size == 4096);
  CHECK(page->objects[1].last_modified_ms == 1'796'292'001'500);
  CHECK(page->prefixes == std::vector<std::string>{"arch/2026-12-03/"});
  CHECK(page->truncated);
  CHECK(page->next_token == "1/x+y=");
  CHECK_FALSE(ParseListObjectsV2("<Error><Code>NoSuchBucket</Code></Error>").ok());
  CHECK_FALSE(
      ParseListObjectsV2("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>")
          .ok());
  CHECK_FALSE(ParseListObjectsV2(
                  "<ListBucketResult><Contents><Key>a&bogus;</Key></Contents></ListBucketResult>")
                  .ok());
  CHECK_FALSE(ParseListObjectsV2("<ListBucketResult><Contents><Key>a</Key><Size>-1</Size>"
                                 "</Contents></ListBucketResult>")
                  .ok());
  CHECK(ParseS3Error("<Error><Code>AccessDenied</Code><Message>Access &amp; Denied</Message>"
                     "</Error>") == "AccessDenied: Access & Denied");
  CHECK(ParseS3Error("not xml").empty());
}

TEST_CASE("s3 multipart: the UploadId of a Create, the Complete's list of parts", "[s3]") {
  auto id = ParseUploadId(R"(<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>b</Bucket>
<Key>arch/x</Key><UploadId>VXBsb2&amp;Fk.IElE-</UploadId></InitiateMultipartUploadResult>)");
  REQUIRE(id.ok());
  CHECK(*id == "VXBsb2&Fk.IElE-");
  for (const char* bad :
       {"<InitiateMultipartUploadResult></InitiateMultipartUploadResult>",
        "<InitiateMultipartUploadResult><UploadId></UploadId></InitiateMultipartUploadResult>",
        "<InitiateMultipartUploadResult><UploadId>a</UploadId><UploadId>b</UploadId>"
        "</InitiateMultipartUploadResult>",
        "<Error><Code>AccessDenied</Code><UploadId>a</UploadId></Error>",
        "<InitiateMultipartUploadResult><UploadId>a&bogus;</UploadId>"
        "</InitiateMultipartUploadResult>"}) {
    INFO(bad);
    CHECK_FALSE(ParseUploadId(bad).ok());
  }

  CHECK(CompleteMultipartXml({{1, "\"3858f62230ac3c915f300c664312c11f-9\""}, {2, "\"a<&>\""}}) ==
        "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Part><PartNumber>1</PartNumber><ETag>\"3858f62230ac3c915f300c664312c11f-9\"</ETag></Part>"
        "<Part><PartNumber>2</PartNumber><ETag>\"a&lt;&amp;&gt;\"</ETag></Part>"
        "</CompleteMultipartUpload>");
  CHECK(CompleteMultipartXml({}) ==
        "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "</CompleteMultipartUpload>");
}

TEST_CASE("s3 retries: no answer, 5xx, 429 and SlowDown are retried, other 4xx never", "[s3]") {
  const Status unavailable = Status::Unavailable("x");
  const std::string slow_down = "<Error><Code>SlowDown</Code><Message>Reduce</Message></Error>";
  const std::string internal = "<Error><Code>InternalError</Code></Error>";
  struct Case {
    int http;
    Status transfer;
    std::string body;
    bool retry;
  };
  // clang-format off
  const Case cases[] = {
      {0,   Status::Unavailable("Connection refused"), "", true},
      {0,   Status::Unavailable("timed out after 10s"), "", true},
      {500, unavailable, internal, true},
      {502, unavailable, "<html>bad gateway</html>", true},
      {503, unavailable, slow_down, true},
      {504, unavailable, "", true},
      {429, unavailable, "", true},
      {400, unavailable, slow_down, true},  // SlowDown whatever its status
      {200, unavailable, internal, true},   // a Complete's 200 <Error>
      {200, unavailable, "<Error><Code>ServiceUnavailable</Code></Error>", true},
      {200, Status::Unavailable("timed out after 60s with 10 bytes received"), "", true},
      {200, unavailable, "<Error><Code>AccessDenied</Code></Error>", false},
      {200, Status::ResourceExhausted("response larger than 5 bytes"), "", false},
      {200, Status::OK(), "<CompleteMultipartUploadResult/>", false},
      {400, unavailable, "<Error><Code>EntityTooSmall</Code></Error>", false},
      {400, unavailable, "<Error><Code>RequestTimeout</Code></Error>", false},
      {403, unavailable, "<Error><Code>AccessDenied</Code></Error>", false},
      {404, unavailable, "<Error><Code>NoSuchKey</Code></Error>", false},
      {409, unavailable, "", false},
      {416, unavailable, "", false},
      {501, unavailable, "<Error><Code>NotImplemented</Code></Error>", false},
      {301, unavailable, "", false},
  };
  // clang-format on
  for (const Case& c : cases) {
    INFO(c.http << " " << c.transfer.ToString() << " " << c.body);
    CHECK(S3Retryable(c.http, c.transfer, c.body) == c.retry);
  }
}

TEST_CASE("s3 retry delays: doubled, capped at 20 s, jittered into the upper half", "[s3]") {
  using std::chrono::milliseconds;
  const milliseconds base(200);
  CHECK(S3RetryDelay(base, 1, 0.0) == milliseconds(100));
  CHECK(S3RetryDelay(base, 1, 0.999999) == milliseconds(199));
  CHECK(S3RetryDelay(base, 2, 0.0) == milliseconds(200));
  CHECK(S3RetryDelay(base, 3, 0.5) == milliseconds(600));
  CHECK(S3RetryDelay(base, 3, 1.0) == milliseconds(800));
  CHECK(S3RetryDelay(base, 8, 1.0) == milliseconds(20'000));  // 25.6 s, capped
  CHECK(S3RetryDelay(base, 1'000, 0.0) == milliseconds(10'000));
  CHECK(S3RetryDelay(base, 1'000, 1.0) == milliseconds(20'000));
  CHECK(S3RetryDelay(milliseconds(0), 3, 1.0) == milliseconds(0));
  CHECK(S3RetryDelay(milliseconds(-5), 3, 1.0) == milliseconds(0));
  CHECK(S3RetryDelay(base, 2, 7.0) == milliseconds(400));  // random01 clamped
}

TEST_CASE("s3 endpoints: an IP address host is always path-style", "[s3]") {
  CHECK(EndpointIsIpAddress("http://127.0.0.1:9000"));
  CHECK(EndpointIsIpAddress("https://10.1.2.3"));
  CHECK(EndpointIsIpAddress("http://[::1]:9000"));
  CHECK(EndpointIsIpAddress("192.168.0.9:80/"));
  CHECK_FALSE(EndpointIsIpAddress("https://s3.eu-west-1.amazonaws.com"));
  CHECK_FALSE(EndpointIsIpAddress("http://minio:9000"));
  CHECK_FALSE(EndpointIsIpAddress("http://localhost:9000"));
  CHECK_FALSE(EndpointIsIpAddress("http://127.0.0.1.nip.io"));
}

TEST_CASE("s3 payload hashes: 64 lowercase hex digits go into a header, nothing else", "[s3]") {
  const std::string hash = Sha256Hex("profile");
  CHECK(IsSha256Hex(hash));
  CHECK(IsSha256Hex(std::string(64, '0')));
  for (const std::string& reject : std::vector<std::string>{
           "", hash.substr(1), hash + "0", std::string(64, 'A'), std::string(64, 'g'),
           hash.substr(0, 62) + "\r\n", "UNSIGNED-PAYLOAD"}) {
    INFO(reject);
    CHECK_FALSE(IsSha256Hex(reject));
  }
}
