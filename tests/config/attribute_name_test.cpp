// config::is_valid_attribute_name, the one attribute-name rule (ldap:: delegates to it).
#include <doctest/doctest.h>

#include <string>

#include "config/syntax.hpp"

using namespace std::string_literals;
using scopegate::config::is_valid_attribute_name;

TEST_CASE("attribute names: descr or numeric OID, with options") {
  for (const char* ok : {"uid", "cn", "scopegateCustomerId", "x-Custom-1", "2.5.4.3", "0.9",
                         "1.3.6.1.4.1.4203.1.5.1", "cn;lang-en", "userCertificate;binary",
                         "cn;a;b-2", "2.5.4.3;lang-de", "A"})
    CHECK_MESSAGE(is_valid_attribute_name(ok), ok);
}

TEST_CASE("attribute names: hostile and malformed inputs are refused") {
  for (std::string bad : {""s,        " "s,     "1uid"s,  "-uid"s,     "u id"s,        " uid"s,
                          "uid "s,    "uid="s,  "(uid"s,  "uid)"s,     "*"s,           "a_b"s,
                          "c_n"s,     "2.5."s,  "2..5"s,  ".2.5"s,     "01.2"s,        "2.05"s,
                          "2"s,       "2.a"s,   "uid;"s,  ";x"s,       "uid;;x"s,      "uid;a b"s,
                          "uid;a_b"s, "uid\0"s, "ui\0d"s, "\xc3\xa9"s, "caf\xc3\xa9"s, "uid\n"s,
                          "uid,cn"s,  "uid\\"s})
    CHECK_MESSAGE(!is_valid_attribute_name(bad), bad);
}
