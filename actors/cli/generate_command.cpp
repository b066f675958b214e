#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "cli/commands.hpp"
#include "receptor/master/master_set.hpp"
#include "receptor/synth/generation.hpp"
#include "receptor/synth/scenario.hpp"

namespace receptor::cli {

namespace {

constexpr const char* help = R"(usage: receptor generate --out DIR [options]

Writes a generated month of realistic receipt files (deterministic from the
seed) and DIR/manifest.json with the totals a correct reader must find.

options:
  --receipts N      receipts of the month over all kinds (default 10000)
  --seed S          random seed (default 1)
  --month YYYYMM    診療年月 (default 202406); the billing month is the next
  --payer-side      レセ電コード情報ファイル, one file per kind (default: one
                    institution-side file per institution and kind)
  --only KIND       only medical, dpc, dental or pharmacy receipts
  --corrections R   payer side: share of receipts with JY corrections (0.02)
  --masters DIR     draw codes from the master files in DIR (default: a
                    built-in catalog of real codes)
  --wareki          legacy 和暦 dates;  --utf8  UTF-8 instead of CP932
  --lf              LF line ends;       --no-eof  no trailing 0x1A
  --scenario        also write the office's feed (DIR/feed: recipients.csv,
                    tickets.csv, tickets_late.csv, other_schemes.csv) with
                    injected cases of every match status, and the truth
                    (DIR/truth.csv, DIR/expected_status*.csv, and the use
                    of every ticket in DIR/ticket_use_truth.csv: used,
                    TICKET_UNUSED, cancelled or pending); receipts go
                    to DIR/receipts. The scenario's background triggers no
                    check; injected behaviours are listed with their truth
                    in DIR/behaviour_truth.csv and DIR/anomaly_truth.csv
  --months N        scenario: N consecutive months (1-12) from --month of one
                    population, receipts in DIR/receipts/YYYY-MM, one feed
                    with every month's tickets (--receipts is per month)
  --offices N       scenario: welfare offices of programme 12 (default: one
                    per 3,000 receipts)
  --prefecture NN   scenario: people and institutions of this 都道府県 only
                    (01-47, e.g. 27 Osaka); repeat for several
  --behaviours N    scenario: N people of every injected behaviour (default:
                    one per 20,000 receipts, none below 1,000)
  --behaviour NAME=N  scenario: the count of one behaviour: frequent_visitors,
                    psychotropic_shoppers, multi_institution, same_day_visits,
                    polypharmacy, long_prescriptions, brand_over_generic,
                    long_stays, dispensing_without_prescription,
                    prescriptions_not_dispensed, other_scheme,
                    frequent_clinic_patients, upcoding_clinic_patients
)";

bool parse_count(const char* text, uint64_t& out) {
  char* end = nullptr;
  out = std::strtoull(text, &end, 10);
  return end && *end == '\0' && end != text;
}

} // namespace

int generate(const std::vector<std::string>& args) {
  synth::generation_request request;
  std::string masters_dir;
  bool scenario = false;
  size_t months = 1;
  size_t offices = 0;
  std::vector<uint8_t> prefectures;
  synth::behaviour_options behaviours;
  for (size_t i = 0; i < args.size(); ++i) {
    auto& a = args[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "receptor generate: %s needs a value\n", name);
        std::exit(2);
      }
      return args[++i].c_str();
    };
    uint64_t n = 0;
    if (a == "--help" || a == "-h") {
      std::fputs(help, stdout);
      return 0;
    } else if (a == "--out") {
      request.out_dir = value("--out");
    } else if (a == "--receipts" && parse_count(value("--receipts"), n)) {
      request.month.receipts = n;
    } else if (a == "--seed" && parse_count(value("--seed"), n)) {
      request.month.seed = n;
    } else if (a == "--month" && parse_count(value("--month"), n)) {
      request.month.month = static_cast<uint32_t>(n);
    } else if (a == "--payer-side") {
      request.month.payer_side = true;
    } else if (a == "--only") {
      if (!synth::keep_only(request.month.shares, value("--only"))) {
        std::fprintf(stderr, "receptor generate: --only takes medical, dpc, dental or pharmacy\n");
        return 2;
      }
    } else if (a == "--corrections") {
      request.month.correction_rate = std::atof(value("--corrections"));
    } else if (a == "--masters") {
      masters_dir = value("--masters");
    } else if (a == "--wareki") {
      request.month.wareki = true;
    } else if (a == "--utf8") {
      request.month.utf8 = true;
    } else if (a == "--lf") {
      request.month.crlf = false;
    } else if (a == "--no-eof") {
      request.month.eof_marker = false;
    } else if (a == "--scenario") {
      scenario = true;
    } else if (a == "--months" && parse_count(value("--months"), n)) {
      months = static_cast<size_t>(n);
    } else if (a == "--offices" && parse_count(value("--offices"), n)) {
      offices = static_cast<size_t>(n);
    } else if (a == "--prefecture" && parse_count(value("--prefecture"), n) && n >= 1 && n <= 47) {
      prefectures.push_back(static_cast<uint8_t>(n));
    } else if (a == "--behaviours" && parse_count(value("--behaviours"), n)) {
      synth::set_all(behaviours, static_cast<size_t>(n));
    } else if (a == "--behaviour") {
      const std::string setting = value("--behaviour");
      const size_t eq = setting.find('=');
      if (eq == std::string::npos || !parse_count(setting.c_str() + eq + 1, n)
          || !synth::set_count(behaviours, std::string_view{setting}.substr(0, eq), static_cast<size_t>(n))) {
        std::fprintf(stderr, "receptor generate: --behaviour takes NAME=N with a behaviour's name: '%s'\n",
                     setting.c_str());
        return 2;
      }
    } else {
      std::fprintf(stderr, "receptor generate: bad option '%s'\n\n%s", a.c_str(), help);
      return 2;
    }
  }
  if (request.out_dir.empty()) {
    std::fprintf(stderr, "receptor generate: --out DIR is required\n\n%s", help);
    return 2;
  }
  master::master_set masters;
  if (!masters_dir.empty()) {
    auto loaded = master::master_set::load(masters_dir);
    if (!loaded) {
      std::fprintf(stderr, "receptor generate: %s\n", loaded.error_value().message.c_str());
      return 2;
    }
    masters = std::move(*loaded);
    request.masters = &masters;
  }
  if (scenario) {
    synth::scenario_request s;
    s.month = request.month;
    s.out_dir = request.out_dir;
    s.masters = request.masters;
    s.months = months;
    s.offices = offices;
    s.prefectures = prefectures;
    s.behaviours = behaviours;
    auto made = synth::generate_scenario(s);
    if (!made) {
      std::fprintf(stderr, "receptor generate: %s\n", made.error_value().message.c_str());
      return 2;
    }
    std::fprintf(stderr,
                 "receptor generate: %zu months, %zu files, %llu receipts, %zu injected cases, %zu behaviour truth "
                 "rows in %s\n",
                 made->months.size(), made->files.size(), static_cast<unsigned long long>(made->receipts),
                 made->cases.size(), made->findings.size(), request.out_dir.c_str());
    return 0;
  }
  auto result = synth::generate(request);
  if (!result) {
    std::fprintf(stderr, "receptor generate: %s\n", result.error_value().message.c_str());
    return 2;
  }
  std::fprintf(stderr, "receptor generate: %zu files, %llu receipts, %.1f MB in %s\n", result->files.size(),
               static_cast<unsigned long long>(result->receipts), static_cast<double>(result->bytes) / 1e6,
               request.out_dir.c_str());
  return 0;
}

} // namespace receptor::cli
