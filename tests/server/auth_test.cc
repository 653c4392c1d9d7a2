#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>

#include "server/auth.h"
#include "test_util.h"

using namespace cprof;
using namespace cprof::server;

namespace {

// Made with libxcrypt: crypt("correct horse", "$2b$04$abcdefghijklmnopqrstuu").
constexpr const char* kKnownHash = "$2b$04$abcdefghijklmnopqrstuujydOTSfIH/d5oUHpsygqV5X9xJLQc6e";

// "Basic base64(user:password)", as a browser sends it.
std::string Basic(std::string_view user_password) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out = "Basic ";
  size_t i = 0;
  for (; i + 2 < user_password.size(); i += 3) {
    uint32_t v = uint8_t(user_password[i]) << 16 | uint8_t(user_password[i + 1]) << 8 |
                 uint8_t(user_password[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kDigits[(v >> s) & 63];
  }
  if (size_t rest = user_password.size() - i; rest > 0) {
    uint32_t v =
        uint8_t(user_password[i]) << 16 | (rest > 1 ? uint8_t(user_password[i + 1]) << 8 : 0);
    out += kDigits[(v >> 18) & 63];
    out += kDigits[(v >> 12) & 63];
    out += rest > 1 ? kDigits[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace

TEST_CASE("Auth files: user lines with bcrypt hashes, and what is refused", "[auth]") {
  auto creds = ParseAuthFile(std::string("read user alice ") + kKnownHash + " # ops\n" +
                                 "admin token " + std::string(64, 'a') + "\n",
                             "auth");
  REQUIRE(creds.ok());
  REQUIRE(creds->size() == 2);
  CHECK(creds->at(0).role == "read");
  CHECK(creds->at(0).user == "alice");
  CHECK(creds->at(0).bcrypt_hash == kKnownHash);
  CHECK(creds->at(0).token_sha256.empty());
  CHECK(creds->at(1).user.empty());
  const std::string hash = kKnownHash;
  const std::pair<std::string, std::string> rejects[] = {
      {"read user alice\n", "ROLE user NAME BCRYPT-HASH"},
      {"read user alice " + hash + " extra\n", "ROLE user NAME BCRYPT-HASH"},
      {"owner user alice " + hash + "\n", "role must be read, write or admin"},
      {"read user al:ice " + hash + "\n", "':'"},
      {"read user alice $1$abc$def\n", "bcrypt"},
      {"read user alice " + hash.substr(0, 59) + "\n", "bcrypt"},
      {"read user alice $2b$03$" + hash.substr(7) + "\n", "bcrypt"},
      {"read user alice " + hash + "\nadmin user alice " + hash + "\n", "again"},
  };
  for (const auto& [text, why] : rejects) {
    INFO(text);
    auto r = ParseAuthFile(text, "auth");
    REQUIRE(!r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("auth:") && Catch::Contains(why));
  }
}

TEST_CASE("Roles: read reads, write pushes, admin does both", "[auth]") {
  testing::TempDir dir;
  auto [read, read_line] = NewTokenLine("read");
  auto [write, write_line] = NewTokenLine("write");
  auto [admin, admin_line] = NewTokenLine("admin");
  const fs::path file = dir.path() / "auth";
  std::ofstream(file) << read_line << "\n" << write_line << "\n" << admin_line << "\n";
  auto auth = Authenticator::Open(file);
  REQUIRE(auth.ok());
  using A = Authenticator::Access;
  using V = Authenticator::Verdict;
  auto check = [&](const std::string& token, A access) {
    const std::string header = "Bearer " + token;
    return (*auth)->Check({header, ""}, "10.0.0.1", 1000, access);
  };
  CHECK(check(read, A::kRead) == V::kAllowed);
  CHECK(check(read, A::kWrite) == V::kForbidden);
  CHECK(check(write, A::kWrite) == V::kAllowed);
  CHECK(check(write, A::kRead) == V::kForbidden);
  CHECK(check(admin, A::kRead) == V::kAllowed);
  CHECK(check(admin, A::kWrite) == V::kAllowed);
  CHECK(check("wrong", A::kWrite) == V::kDenied);
  // Forbidden is no failure: a write token never gets its address throttled.
  for (int i = 0; i < 2 * kMaxFailures; ++i) REQUIRE(check(write, A::kRead) == V::kForbidden);
  CHECK(check(write, A::kWrite) == V::kAllowed);
  // A session of a write token pushes, and reads nothing.
  auto signed_in = (*auth)->SignIn("", write, "10.0.0.2", 1000);
  REQUIRE(signed_in.verdict == V::kAllowed);
  CHECK((*auth)->Check({"", signed_in.session}, "10.0.0.2", 2000, A::kRead) == V::kForbidden);
  CHECK((*auth)->Check({"", signed_in.session}, "10.0.0.2", 2000, A::kWrite) == V::kAllowed);
  CHECK(RoleAllows("admin token x", A::kWrite));
  CHECK(!RoleAllows("read token x", A::kWrite));
}

TEST_CASE("bcrypt: a known hash verifies, new hashes round-trip, bad input is refused", "[auth]") {
  CHECK(VerifyPassword("correct horse", kKnownHash));
  CHECK(!VerifyPassword("correct horsE", kKnownHash));
  CHECK(!VerifyPassword("", kKnownHash));
  CHECK(!VerifyPassword("correct horse", "$2b$04$abcdefghijklmnopqrstuu"));  // a setting only
  CHECK(!VerifyPassword("correct horse", "correct horse"));
  auto hash = HashPassword("s3cret", 4);
  REQUIRE(hash.ok());
  CHECK(hash->starts_with("$2b$04$"));
  CHECK(hash->size() == 60);
  CHECK(VerifyPassword("s3cret", *hash));
  CHECK(!VerifyPassword("s3cret ", *hash));
  CHECK(*HashPassword("s3cret", 4) != *hash);  // a random salt each time
  CHECK(!HashPassword("s3cret", 3).ok());

  auto line = NewUserLine("admin", "bob", "pw", 4);
  REQUIRE(line.ok());
  auto parsed = ParseAuthFile(*line, "line");
  REQUIRE(parsed.ok());
  CHECK(parsed->at(0).role == "admin");
  CHECK(parsed->at(0).user == "bob");
  CHECK(VerifyPassword("pw", parsed->at(0).bcrypt_hash));
  for (std::string_view bad_name : {"", "a b", "a:b", "a#b", "tab\tbed", "x\x7f"}) {
    INFO(bad_name);
    CHECK(!NewUserLine("read", bad_name, "pw", 4).ok());
  }
  CHECK(!NewUserLine("read", "bob", "", 4).ok());
  CHECK(!NewUserLine("read", "bob", std::string(kMaxPasswordBytes + 1, 'x'), 4).ok());
  CHECK(NewUserLine("read", "bob", std::string(kMaxPasswordBytes, 'x'), 4).ok());
}

TEST_CASE("Authenticator: users by basic auth, remembered until the file changes", "[auth]") {
  testing::TempDir dir;
  const fs::path file = dir.path() / "auth";
  auto [token, token_line] = NewTokenLine("read");
  // Cost 13 (~0.5 s a check): long enough that a remembered login is
  // measurably faster than a password check, even on a busy machine.
  auto alice = NewUserLine("read", "alice", "wonderland", 13);
  REQUIRE(alice.ok());
  std::ofstream(file) << *alice << "\n" << token_line << "\n";
  auto auth = Authenticator::Open(file);
  REQUIRE(auth.ok());
  using V = Authenticator::Verdict;
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  CHECK((*auth)->Check({Basic("alice:wonderland"), ""}, "10.0.0.1", 0) == V::kAllowed);
  auto checked = Clock::now() - t0;
  t0 = Clock::now();
  CHECK((*auth)->Check({Basic("alice:wonderland"), ""}, "10.0.0.1", 0) == V::kAllowed);
  auto remembered = Clock::now() - t0;
  CHECK(remembered * 10 < checked);
  CHECK((*auth)->Check({Basic("alice:" + token), ""}, "10.0.0.1", 0) ==
        V::kAllowed);  // a token as password
  CHECK((*auth)->Check({Basic("alice:Wonderland"), ""}, "10.0.0.1", 0) == V::kDenied);
  CHECK((*auth)->Check({Basic("bob:wonderland"), ""}, "10.0.0.1", 0) ==
        V::kDenied);  // no such user
  CHECK((*auth)->Check({Basic("alice:"), ""}, "10.0.0.1", 0) == V::kDenied);
  CHECK((*auth)->Check({"Bearer wonderland", ""}, "10.0.0.1", 0) ==
        V::kDenied);  // a password is no token

  // A user removed from the file loses access at once, remembered or not.
  std::ofstream(file) << token_line << "\n# alice left\n";
  CHECK((*auth)->Check({Basic("alice:wonderland"), ""}, "10.0.0.3", 0) == V::kDenied);
  CHECK((*auth)->Check({"Bearer " + token, ""}, "10.0.0.3", 0) == V::kAllowed);
}

TEST_CASE("Authenticator: failed password checks count towards the address's limit", "[auth]") {
  testing::TempDir dir;
  const fs::path file = dir.path() / "auth";
  std::ofstream(file) << "read user alice " << kKnownHash << "\n";
  auto auth = Authenticator::Open(file);
  REQUIRE(auth.ok());
  using V = Authenticator::Verdict;
  for (int i = 0; i < kMaxFailures; ++i) {
    CHECK((*auth)->Check({Basic("alice:guess" + std::to_string(i)), ""}, "10.0.0.2", 1000) ==
          V::kDenied);
  }
  CHECK((*auth)->Check({Basic("alice:correct horse"), ""}, "10.0.0.2", 2000) == V::kThrottled);
  CHECK((*auth)->Check({Basic("alice:correct horse"), ""}, "10.0.0.1", 2000) == V::kAllowed);
  CHECK((*auth)->Check({Basic("alice:correct horse"), ""}, "10.0.0.2", 1000 + kFailureWindowMs) ==
        V::kAllowed);
}

TEST_CASE("Sessions: idle and absolute expiry, logout, bounded count", "[auth]") {
  SessionStore store;
  const std::string a = store.Start("read user alice H", 0);
  CHECK(a.size() == 64);
  CHECK(store.Start("read user alice H", 0) != a);
  CHECK(store.Use(a, 1000));
  CHECK(!store.Use("", 1000));
  CHECK(!store.Use(std::string(64, '0'), 1000));
  // Each use starts the idle time again, up to the session's lifetime.
  int64_t t = 1000;
  while (t + kSessionIdleMs - 1 < kSessionLifetimeMs) {
    t += kSessionIdleMs - 1;
    REQUIRE(store.Use(a, t));
  }
  CHECK(!store.Use(a, kSessionLifetimeMs));
  CHECK(!store.Use(a, 0));  // ended for good

  const std::string b = store.Start("read user bob H", 0);
  CHECK(!store.Use(b, kSessionIdleMs));  // idle too long
  const std::string c = store.Start("read user carol H", 0);
  store.End(c);
  CHECK(!store.Use(c, 1));

  SessionStore full;
  const std::string first = full.Start("x", 0);
  for (size_t i = 1; i < kMaxSessions; ++i) full.Start("x", 1);
  CHECK(full.size() == kMaxSessions);
  const std::string newest = full.Start("x", 2);
  CHECK(full.size() == kMaxSessions);
  CHECK(!full.Use(first, 3));  // the least recently used made way
  CHECK(full.Use(newest, 3));

  SessionStore kept;
  const std::string stays = kept.Start("read token T", 0);
  const std::string goes = kept.Start("read user dave H", 0);
  kept.RetainOnly({"read token T"});
  CHECK(kept.Use(stays, 1));
  CHECK(!kept.Use(goes, 1));
}

TEST_CASE("Authenticator: the login form's sign-in, sessions, sign-out", "[auth]") {
  testing::TempDir dir;
  const fs::path file = dir.path() / "auth";
  auto [token, token_line] = NewTokenLine("read");
  std::ofstream(file) << "read user alice " << kKnownHash << "\n" << token_line << "\n";
  auto auth = Authenticator::Open(file);
  REQUIRE(auth.ok());
  using V = Authenticator::Verdict;
  auto alice = (*auth)->SignIn("alice", "correct horse", "10.0.0.1", 0);
  REQUIRE(alice.verdict == V::kAllowed);
  CHECK((*auth)->Check({"", alice.session}, "10.0.0.1", 1) == V::kAllowed);
  CHECK((*auth)->Check({"", alice.session}, "10.0.0.9", 1) == V::kAllowed);
  auto by_token = (*auth)->SignIn("", token, "10.0.0.1", 0);
  REQUIRE(by_token.verdict == V::kAllowed);
  CHECK(by_token.session != alice.session);
  CHECK((*auth)->SignIn("alice", "wrong", "10.0.0.1", 0).verdict == V::kDenied);
  CHECK((*auth)->SignIn("", "wrong", "10.0.0.1", 0).verdict == V::kDenied);
  CHECK((*auth)->SignIn("", "", "10.0.0.1", 0).verdict == V::kDenied);

  // A stale or made-up cookie is no failure: it does not count.
  for (int i = 0; i < 2 * kMaxFailures; ++i) {
    CHECK((*auth)->Check({"", "made-up"}, "10.0.0.5", 1) == V::kDenied);
  }
  CHECK((*auth)->SignIn("alice", "correct horse", "10.0.0.5", 1).verdict == V::kAllowed);

  (*auth)->SignOut(by_token.session);
  CHECK((*auth)->Check({"", by_token.session}, "10.0.0.1", 2) == V::kDenied);

  // Alice leaves the file: her session ends; the token's sessions stay.
  auto token_again = (*auth)->SignIn("x", token, "10.0.0.1", 3);
  REQUIRE(token_again.verdict == V::kAllowed);
  std::ofstream(file) << token_line << "\n";
  CHECK((*auth)->Check({"", alice.session}, "10.0.0.1", 4) == V::kDenied);
  CHECK((*auth)->Check({"", token_again.session}, "10.0.0.1", 4) == V::kAllowed);

  for (int i = 0; i < kMaxFailures; ++i) (*auth)->SignIn("alice", "guess", "10.0.0.6", 5);
  CHECK((*auth)->SignIn("", token, "10.0.0.6", 6).verdict == V::kThrottled);
}
