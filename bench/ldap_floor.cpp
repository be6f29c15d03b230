// The LDAP floor of the benchmarks: sends the searches the gateway would send for a list of
// (scope, login, q) requests straight to slapd, asynchronously (many outstanding message IDs
// per connection), and prints throughput and latency as one JSON line.
//
//   ldap_floor --config bench.yaml --requests get.tsv --seconds 5 --connections 4 --depth 16
//
// Each line of the requests file: customer IDs of the scope (comma-separated, or "*" for
// all) TAB login (a single-record lookup, or empty) TAB q (or empty). Filters are compiled
// by mapping::compile_customer_filter, exactly as the gateway's LDAP pushdown does, with the
// same attributes, size limits and RFC 2696 paging.
#include <ldap.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "mapping/customer_query.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

struct compiled {
  std::string filter;
  int size_limit = 0;
};

struct options {
  std::string config;
  std::string requests;
  double seconds = 5;
  int connections = 4;
  int depth = 16;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep))
    out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

std::vector<compiled> load_requests(const std::string& path,
                                    const scopegate::config::customers_config& c) {
  std::vector<compiled> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto cols = split(line, '\t');
    cols.resize(3);
    scopegate::mapping::access_scope scope;
    if (cols[0] == "*") {
      scope.kind = scopegate::mapping::scope_kind::all;
    } else {
      scope.kind = scopegate::mapping::scope_kind::some;
      scope.customer_ids = split(cols[0], ',');
      std::sort(scope.customer_ids.begin(), scope.customer_ids.end());
    }
    scopegate::mapping::customer_query q;
    if (!cols[1].empty()) q.login = cols[1];
    q.text = cols[2];
    auto f = scopegate::mapping::compile_customer_filter(c, q, scope);
    if (!f) continue;
    out.push_back({f->str(), q.login ? 2 : c.max_results + 1});
  }
  return out;
}

LDAP* connect(const scopegate::config::ldap_config& cfg) {
  LDAP* ld = nullptr;
  if (ldap_initialize(&ld, cfg.uris.front().c_str()) != LDAP_SUCCESS) return nullptr;
  int version = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  berval cred{};
  cred.bv_val = const_cast<char*>(cfg.bind_password.c_str());
  cred.bv_len = cfg.bind_password.size();
  if (ldap_sasl_bind_s(ld, cfg.bind_dn.empty() ? nullptr : cfg.bind_dn.c_str(), LDAP_SASL_SIMPLE,
                       &cred, nullptr, nullptr, nullptr) != LDAP_SUCCESS) {
    ldap_unbind_ext_s(ld, nullptr, nullptr);
    return nullptr;
  }
  return ld;
}

struct worker_result {
  std::vector<double> latencies_ms;
  std::uint64_t errors = 0;
};

struct in_flight {
  std::size_t request = 0;
  clock_type::time_point started;
  std::string cookie;
  int entries = 0;
};

// One connection with `depth` searches outstanding until `deadline`.
void run_worker(const scopegate::config::config& cfg, const std::vector<std::string>& attrs,
                const std::vector<compiled>& reqs, std::size_t offset, int depth,
                clock_type::time_point deadline, worker_result& out) {
  LDAP* ld = connect(cfg.ldap);
  if (!ld) {
    out.errors = 1;
    return;
  }
  std::vector<char*> attr_ptrs;
  for (const auto& a : attrs)
    attr_ptrs.push_back(const_cast<char*>(a.c_str()));
  attr_ptrs.push_back(nullptr);
  std::unordered_map<int, in_flight> pending;
  std::size_t next = offset;

  auto send = [&](in_flight op) {
    const auto& r = reqs[op.request];
    LDAPControl* page = nullptr;
    berval cookie{};
    cookie.bv_val = op.cookie.data();
    cookie.bv_len = op.cookie.size();
    ldap_create_page_control(ld, cfg.ldap.page_size, op.cookie.empty() ? nullptr : &cookie, 0,
                             &page);
    LDAPControl* controls[] = {page, nullptr};
    int msgid = -1;
    int rc =
        ldap_search_ext(ld, cfg.customers.base_dn.c_str(), LDAP_SCOPE_SUBTREE, r.filter.c_str(),
                        attr_ptrs.data(), 0, controls, nullptr, nullptr, 0, &msgid);
    ldap_control_free(page);
    if (rc != LDAP_SUCCESS) {
      ++out.errors;
      return false;
    }
    pending.emplace(msgid, std::move(op));
    return true;
  };
  auto start_next = [&] {
    in_flight op;
    op.request = next++ % reqs.size();
    op.started = clock_type::now();
    return send(std::move(op));
  };

  for (int i = 0; i < depth; ++i)
    if (!start_next()) break;
  while (!pending.empty()) {
    timeval tv{1, 0};
    LDAPMessage* msg = nullptr;
    int type = ldap_result(ld, LDAP_RES_ANY, LDAP_MSG_ALL, &tv, &msg);
    if (type <= 0) {
      if (type < 0) {
        std::fprintf(stderr, "ldap_floor: connection lost\n");
        out.errors += pending.size();
        break;
      }
      continue;
    }
    int msgid = ldap_msgid(msg);
    auto it = pending.find(msgid);
    if (it == pending.end()) {
      ldap_msgfree(msg);
      continue;
    }
    in_flight op = std::move(it->second);
    pending.erase(it);
    op.entries += ldap_count_entries(ld, msg);
    LDAPMessage* done = nullptr;
    for (LDAPMessage* m = ldap_first_message(ld, msg); m; m = ldap_next_message(ld, m))
      if (ldap_msgtype(m) == LDAP_RES_SEARCH_RESULT) done = m;
    int code = LDAP_OTHER;
    LDAPControl** ctrls = nullptr;
    if (done) ldap_parse_result(ld, done, &code, nullptr, nullptr, nullptr, &ctrls, 0);
    std::string cookie;
    if (ctrls) {
      if (LDAPControl* c = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, ctrls, nullptr)) {
        ber_int_t estimate = 0;
        berval cv{};
        if (ldap_parse_pageresponse_control(ld, c, &estimate, &cv) == LDAP_SUCCESS && cv.bv_val) {
          cookie.assign(cv.bv_val, cv.bv_len);
          ber_memfree(cv.bv_val);
        }
      }
      ldap_controls_free(ctrls);
    }
    ldap_msgfree(msg);
    const auto& r = reqs[op.request];
    if (code == LDAP_SUCCESS && !cookie.empty() && op.entries < r.size_limit) {
      op.cookie = std::move(cookie);  // next page of the same search
      send(std::move(op));
      continue;
    }
    if (code != LDAP_SUCCESS && code != LDAP_SIZELIMIT_EXCEEDED) {
      if (out.errors++ == 0) std::fprintf(stderr, "ldap_floor: %s\n", ldap_err2string(code));
    } else {
      out.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(clock_type::now() - op.started).count());
    }
    if (clock_type::now() < deadline) start_next();
  }
  ldap_unbind_ext_s(ld, nullptr, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    std::string v = argv[i + 1];
    if (k == "--config")
      o.config = v;
    else if (k == "--requests")
      o.requests = v;
    else if (k == "--seconds")
      o.seconds = std::stod(v);
    else if (k == "--connections")
      o.connections = std::stoi(v);
    else if (k == "--depth")
      o.depth = std::stoi(v);
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (o.config.empty() || o.requests.empty()) {
    std::cerr << "usage: ldap_floor --config FILE --requests FILE [--seconds S] "
                 "[--connections N] [--depth D]\n";
    return 2;
  }
  auto cfg = scopegate::config::load_config(o.config);
  auto reqs = load_requests(o.requests, cfg.customers);
  if (reqs.empty()) {
    std::cerr << "no requests\n";
    return 2;
  }
  // The attributes the gateway's pushdown asks for.
  std::vector<std::string> attrs = {cfg.customers.login_attribute,
                                    cfg.customers.customer_id_attribute};
  for (const auto& f : cfg.customers.fields)
    attrs.push_back(f.attribute);
  std::sort(attrs.begin(), attrs.end());
  attrs.erase(std::unique(attrs.begin(), attrs.end()), attrs.end());

  auto t0 = clock_type::now();
  auto deadline = t0 + std::chrono::duration_cast<clock_type::duration>(
                           std::chrono::duration<double>(o.seconds));
  std::vector<worker_result> results(static_cast<std::size_t>(o.connections));
  std::vector<std::thread> threads;
  for (int i = 0; i < o.connections; ++i)
    threads.emplace_back([&, i] {
      run_worker(cfg, attrs, reqs, static_cast<std::size_t>(i) * 7919, o.depth, deadline,
                 results[static_cast<std::size_t>(i)]);
    });
  for (auto& t : threads)
    t.join();
  double elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
  std::vector<double> all;
  std::uint64_t errors = 0;
  for (auto& r : results) {
    all.insert(all.end(), r.latencies_ms.begin(), r.latencies_ms.end());
    errors += r.errors;
  }
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    if (all.empty()) return 0.0;
    return all[std::min(all.size() - 1,
                        static_cast<std::size_t>(p * static_cast<double>(all.size())))];
  };
  std::printf(
      "{\"requests\": %zu, \"rps\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"errors\": %llu}\n",
      all.size(), static_cast<double>(all.size()) / elapsed, pct(0.50), pct(0.99),
      static_cast<unsigned long long>(errors));
  return 0;
}
