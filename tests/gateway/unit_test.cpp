// Pure logic of the gateway and mapping layers: no I/O.
#include <doctest/doctest.h>

#include "gateway/agent_api/page_token.hpp"
#include "gateway/auth/authenticator.hpp"
#include "gateway/auth/same_origin.hpp"
#include "gateway/http/base64.hpp"
#include "mapping/customer_query.hpp"

using namespace scopegate;

TEST_CASE("login canonicalization refuses what can never authenticate") {
  using config::case_rule;
  CHECK(gateway::canonical_login("  Agent1 ", case_rule::lower) == "agent1");
  CHECK(gateway::canonical_login("Agent1", case_rule::preserve) == "Agent1");
  CHECK_FALSE(gateway::canonical_login("", case_rule::lower));
  CHECK_FALSE(gateway::canonical_login("   ", case_rule::lower));
  CHECK_FALSE(gateway::canonical_login(std::string("a\0b", 3), case_rule::lower));
  CHECK_FALSE(gateway::canonical_login("a\nb", case_rule::lower));
  CHECK_FALSE(gateway::canonical_login(std::string(257, 'a'), case_rule::lower));
}

TEST_CASE("every Unicode spelling of one login has one canonical form") {
  using config::case_rule;
  const std::string jorg = "j\xc3\xb6rg";  // jörg, precomposed
  for (auto rule : {case_rule::lower, case_rule::preserve}) {
    CAPTURE(rule == case_rule::lower);
    // NFD (o + combining diaeresis) and fullwidth letters are NFKC-equal to the plain form.
    CHECK(gateway::canonical_login("jo\xcc\x88rg", rule) == jorg);
    CHECK(gateway::canonical_login("\xef\xbd\x8a\xc3\xb6\xef\xbd\x92\xef\xbd\x87", rule) == jorg);
    CHECK(gateway::canonical_login("\xef\xbd\x81\xef\xbd\x8e\xef\xbd\x8e\xef\xbd\x81", rule) ==
          "anna");
    // No-break and ideographic spaces are spaces: trimmed, and inner runs become one.
    CHECK(gateway::canonical_login("\xc2\xa0"
                                   "anna\xe3\x80\x80",
                                   rule) == "anna");
    CHECK(gateway::canonical_login("anna \xc2\xa0 maria", rule) == "anna maria");
  }
  // Upper case beyond ASCII folds with `lower`, and stays as typed with `preserve`.
  CHECK(gateway::canonical_login("J\xc3\x96RG", case_rule::lower) == jorg);
  CHECK(gateway::canonical_login("JO\xcc\x88RG", case_rule::lower) == jorg);
  CHECK(gateway::canonical_login("J\xc3\x96RG", case_rule::preserve) == "J\xc3\x96RG");
  CHECK(gateway::canonical_login("\xce\xa3\xce\x91\xce\xa3", case_rule::lower) ==
        gateway::canonical_login("\xcf\x83\xce\xb1\xcf\x83", case_rule::lower));
}

TEST_CASE("logins with invalid UTF-8 or invisible characters never authenticate") {
  using config::case_rule;
  for (auto rule : {case_rule::lower, case_rule::preserve}) {
    CHECK_FALSE(gateway::canonical_login("j\xf6rg", rule));           // Latin-1, not UTF-8
    CHECK_FALSE(gateway::canonical_login("an\xc0\xaena", rule));      // overlong encoding
    CHECK_FALSE(gateway::canonical_login("anna\xed\xa0\x80", rule));  // a surrogate
    CHECK_FALSE(gateway::canonical_login("an\xe2\x80\x8bna", rule));  // zero-width space
    CHECK_FALSE(gateway::canonical_login("an\xc2\xadna", rule));      // soft hyphen
    CHECK_FALSE(gateway::canonical_login("anna\xe2\x80\xae", rule));  // right-to-left override
    CHECK_FALSE(gateway::canonical_login("an\x7fna", rule));
    CHECK_FALSE(gateway::canonical_login("an\xc2\x85na", rule));  // C1 control (NEL)
    CHECK_FALSE(gateway::canonical_login("\xe3\x80\x80", rule));  // only an ideographic space
  }
}

TEST_CASE("empty, whitespace-only and NUL-containing passwords never reach the directory") {
  CHECK_FALSE(gateway::acceptable_password(""));
  CHECK_FALSE(gateway::acceptable_password(" "));
  CHECK_FALSE(gateway::acceptable_password(" \t\r\n "));
  CHECK_FALSE(gateway::acceptable_password(std::string("pw\0x", 4)));
  CHECK(gateway::acceptable_password(" pw "));
  CHECK(gateway::acceptable_password("x"));
}

TEST_CASE("secrets compare in constant time and exactly") {
  CHECK(gateway::secrets_equal("abc", "abc"));
  CHECK_FALSE(gateway::secrets_equal("abc", "abd"));
  CHECK_FALSE(gateway::secrets_equal("abc", "abcd"));
  CHECK(gateway::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("base64 round trips in both alphabets") {
  for (std::string s : {std::string(), std::string("a"), std::string("ab"), std::string("abc"),
                        std::string("abcd"), std::string("\0\xff\xfe", 3)}) {
    CHECK(gateway::base64_decode(gateway::base64_encode(s)) == s);
    CHECK(gateway::base64_decode(gateway::base64_encode(s, true)) == s);
  }
  CHECK(gateway::base64_encode("a1:a1-pw") == "YTE6YTEtcHc=");
  CHECK_FALSE(gateway::base64_decode("a b"));
}

TEST_CASE("page tokens carry the login to continue after, and nothing else decodes") {
  using gateway::agent_api::decode_page_token;
  using gateway::agent_api::encode_page_token;
  CHECK(encode_page_token("alice") == "djE6YWxpY2U");
  for (std::string login : {std::string("alice"), std::string("a,b=c+d"), std::string("\0\xff", 2)})
    CHECK(decode_page_token(encode_page_token(login)) == login);
  CHECK(decode_page_token("djE6YWxpY2U=") == std::string("alice"));  // padding accepted
  CHECK_FALSE(decode_page_token("djE6"));                            // "v1:" names no login
  CHECK_FALSE(decode_page_token("djI6Ym9i"));                        // "v2:bob"
  CHECK_FALSE(decode_page_token("djE6!!"));
  CHECK_FALSE(decode_page_token(""));
}

TEST_CASE("customer filter: scope pushed down, values escaped, empty scope needs no query") {
  config::customers_config c;
  c.filter = "(objectClass=inetOrgPerson)";
  mapping::access_scope some;
  some.kind = mapping::scope_kind::some;
  some.rule = mapping::scope_rule::partner_mapping;
  some.customer_ids = {"C1", "C*)(x"};
  mapping::customer_query q;
  q.text = "a*b";
  auto f = mapping::compile_customer_filter(c, q, some);
  REQUIRE(f);
  CHECK(f->str().find("(scopegateCustomerId=C1)") != std::string::npos);
  CHECK(f->str().find("(scopegateCustomerId=C\\2a\\29\\28x)") != std::string::npos);
  CHECK(f->str().find("(uid=*a\\2ab*)") != std::string::npos);

  mapping::access_scope none;
  none.kind = mapping::scope_kind::none;
  CHECK_FALSE(mapping::compile_customer_filter(c, q, none));

  // A customer_id outside the scope short-circuits to "no result", never to "no filter".
  q.customer_id = "C3";
  CHECK_FALSE(mapping::compile_customer_filter(c, q, some));

  mapping::access_scope all;
  all.kind = mapping::scope_kind::all;
  q.customer_id.reset();
  auto fa = mapping::compile_customer_filter(c, q, all);
  REQUIRE(fa);
  CHECK(fa->str().find("scopegateCustomerId") == std::string::npos);
}

TEST_CASE("same origin: Origin must name the Host it was sent to, http or https") {
  using gateway::origin_matches_host;
  CHECK(origin_matches_host("http://127.0.0.1:8080", "127.0.0.1:8080"));
  CHECK(origin_matches_host("https://Admin.Example.org", "admin.example.org"));
  CHECK(origin_matches_host("https://admin.example.org:443", "admin.example.org"));
  CHECK(origin_matches_host("http://admin.example.org", "admin.example.org:80"));
  CHECK(origin_matches_host("http://[::1]:8080", "[::1]:8080"));
  CHECK_FALSE(origin_matches_host("https://evil.example", "admin.example.org"));
  CHECK_FALSE(origin_matches_host("null", "admin.example.org"));
  CHECK_FALSE(origin_matches_host("", "admin.example.org"));
  CHECK_FALSE(origin_matches_host("https://admin.example.org", ""));
  CHECK_FALSE(origin_matches_host("http://127.0.0.1:8081", "127.0.0.1:8080"));
  CHECK_FALSE(origin_matches_host("https://admin.example.org:8443", "admin.example.org"));
  CHECK_FALSE(origin_matches_host("https://admin.example.org.evil.example", "admin.example.org"));
  CHECK_FALSE(origin_matches_host("https://admin.example.org/", "admin.example.org"));
  CHECK_FALSE(origin_matches_host("https://user@admin.example.org", "admin.example.org"));
  CHECK_FALSE(origin_matches_host("ftp://admin.example.org", "admin.example.org"));
  CHECK_FALSE(origin_matches_host("admin.example.org", "admin.example.org"));
}

TEST_CASE("same origin: a write needs its own Origin, or Sec-Fetch-Site without Origin") {
  using gateway::foreign_origin;
  using gateway::same_origin_write;
  auto req = [](std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
    gateway::request r{gateway::http::verb::post, "/admin/api/v1/partners", 11};
    r.set(gateway::http::field::host, "gw.example:8080");
    for (const auto& [name, value] : fields)
      r.insert(name, value);
    return r;
  };
  CHECK(same_origin_write(req({{"Origin", "http://gw.example:8080"}})));
  CHECK(same_origin_write(req({{"Sec-Fetch-Site", "same-origin"}})));
  CHECK_FALSE(same_origin_write(req({})));
  CHECK_FALSE(same_origin_write(req({{"Sec-Fetch-Site", "same-site"}})));
  CHECK_FALSE(same_origin_write(req({{"Sec-Fetch-Site", "cross-site"}})));
  CHECK_FALSE(same_origin_write(req({{"Origin", "https://evil.example"}})));
  CHECK_FALSE(same_origin_write(req({{"Origin", "null"}})));
  // A header saying "same-origin" does not outvote a foreign Origin.
  CHECK_FALSE(same_origin_write(
      req({{"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "same-origin"}})));
  CHECK_FALSE(same_origin_write(
      req({{"Origin", "http://gw.example:8080"}, {"Origin", "https://evil.example"}})));

  CHECK_FALSE(foreign_origin(req({})));
  CHECK_FALSE(foreign_origin(req({{"Origin", "https://gw.example:8080"}})));
  CHECK(foreign_origin(req({{"Origin", "https://evil.example"}})));
  CHECK(foreign_origin(req({{"Origin", "null"}})));
}
