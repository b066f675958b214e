// Every registered message type survives CAF's binary serializer, the
// format messages take between machines; doubles included when NaN or
// infinite (CAF 0.17 corrupts those unless they travel as bits).

#include <caf/all.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "receptor/actors/type_ids.hpp"

using namespace receptor;
using namespace receptor::actors;

namespace {

class config : public caf::actor_system_config {
public:
  config() {
    receptor::actors::add_message_types(*this);
    set("scheduler.max-threads", size_t{1});
  }
};

template <class T>
T roundtrip(caf::actor_system& sys, T x) {
  caf::binary_serializer::container_type buf;
  caf::binary_serializer sink{sys, buf};
  auto err = sink(x);
  EXPECT_FALSE(err) << sys.render(err);
  T y;
  caf::binary_deserializer source{sys, buf};
  err = source(y);
  EXPECT_FALSE(err) << sys.render(err);
  return y;
}

match::claim sample_claim() {
  match::claim c;
  c.receipt_key = "2712345678-202406-MR1";
  c.source_file = 3;
  c.source_line = 17;
  c.kind = 1;
  c.care = 2;
  c.receipt_type = 1212;
  c.law_no = 12;
  c.office_no = "12271011";
  c.recipient_no = "1234566";
  c.recipient_no_valid = false;
  c.month = 202406;
  c.institution = "2711234567";
  c.care_days = (1u << 1) | (1u << 15);
  c.days = 2;
  c.points = 337;
  c.copay = 1000;
  c.name = "髙橋　花子";
  c.name_key = "高橋花子";
  c.birth_date = 19580305;
  c.sex = 2;
  c.person_id = "P001";
  c.identified = 1;
  return c;
}

match::finding sample_finding(double value) {
  match::finding f;
  f.finding_id = "0123456789abcdef";
  f.code = "COPAY_MISMATCH";
  f.severity = 2;
  f.office_no = "12271011";
  f.month = 202406;
  f.receipt_key = "k";
  f.value = value;
  f.detail = "KO 負担金額 1000 but ticket says 0";
  return f;
}

} // namespace

TEST(messages, every_type_round_trips_through_the_binary_serializer) {
  config cfg;
  caf::actor_system sys{cfg};
  auto c = roundtrip(sys, claim_batch{{sample_claim(), sample_claim()}});
  ASSERT_EQ(c.claims.size(), 2u);
  EXPECT_EQ(c.claims[0].name, "髙橋　花子");
  EXPECT_EQ(c.claims[0].care_days, (1u << 1) | (1u << 15));
  EXPECT_FALSE(c.claims[0].recipient_no_valid);
  EXPECT_EQ(c.claims[1].person_id, "P001");

  match::ticket_row t;
  t.ticket_id = "T1";
  t.valid_from = 20240601;
  t.valid_to = 20240615;
  t.copay = 500;
  t.with_insurance = true;
  auto tb = roundtrip(sys, ticket_batch{{t}});
  ASSERT_EQ(tb.rows.size(), 1u);
  EXPECT_EQ(tb.rows[0].valid_to, 20240615u);
  EXPECT_TRUE(tb.rows[0].with_insurance);

  match::recipient_row r;
  r.person_id = "P1";
  r.protected_to = 20240610;
  EXPECT_EQ(roundtrip(sys, recipient_batch{{r}}).rows.at(0).protected_to, 20240610u);
  EXPECT_EQ(roundtrip(sys, office_list{{"12271011", "25271015"}}).offices.at(1), "25271015");

  file_done done;
  done.file = 4;
  done.input.path = "/x/RECEIPTC.UKE";
  done.input.sha256 = std::string(64, 'a');
  done.quarantine.push_back({"/x/RECEIPTC.UKE", 9, "not a record identifier", "??"});
  done.max_month = 202406;
  auto d = roundtrip(sys, done);
  EXPECT_EQ(d.file, 4u);
  EXPECT_EQ(d.quarantine.at(0).source_line, 9u);
  EXPECT_EQ(d.max_month, 202406u);

  match_request req;
  req.as_of_month = 202408;
  req.everyone = false;
  req.touched = {"12271011|P1", "12271011|#1234566"};
  auto rq = roundtrip(sys, req);
  EXPECT_EQ(rq.as_of_month, 202408u);
  EXPECT_FALSE(rq.everyone);
  EXPECT_EQ(rq.touched.at(1), "12271011|#1234566");

  shard_result s;
  s.results.claims.push_back(sample_claim());
  s.results.kept.push_back(sample_claim());
  s.results.receipts.push_back({"k", 1, 2, match::status::copay_mismatch, "T1", "P1"});
  s.results.tickets.push_back({"T1", "used"});
  s.results.findings.push_back(sample_finding(1000));
  s.peak_mailbox = 17;
  auto sr = roundtrip(sys, s);
  EXPECT_EQ(sr.peak_mailbox, 17u);
  EXPECT_EQ(sr.results.receipts.at(0).result, match::status::copay_mismatch);
  EXPECT_EQ(sr.results.findings.at(0).value, 1000);
  EXPECT_EQ(sr.results.kept.at(0).receipt_key, "2712345678-202406-MR1");

  write_request w;
  w.path = "/tmp/out.h5";
  w.output.claims.resize(2);
  w.output.claims[1].push_back(sample_claim());
  w.output.receipts.resize(2);
  w.output.receipts[1].push_back({"k", 1, 2, match::status::copay_mismatch, "T1", "P1"});
  w.output.order.emplace_back(1, 0);
  w.output.findings.push_back(sample_finding(0.5));
  w.output.config_json = "{\"shards\":8}";
  auto wr = roundtrip(sys, w);
  ASSERT_EQ(wr.output.claims.size(), 2u);
  EXPECT_EQ(wr.output.claims[1].at(0).receipt_key, "2712345678-202406-MR1");
  EXPECT_EQ(wr.output.receipts[1].at(0).result, match::status::copay_mismatch);
  EXPECT_EQ(wr.output.order.at(0), (std::pair<uint32_t, uint32_t>{1, 0}));
  EXPECT_EQ(wr.output.findings.at(0).value, 0.5);
  EXPECT_EQ(wr.output.config_json, "{\"shards\":8}");
}

// The scoring exchange: every double of it survives, NaN and infinity too.
TEST(messages, scoring_messages_round_trip_with_every_double) {
  config cfg;
  caf::actor_system sys{cfg};
  const double odd[] = {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                        -std::numeric_limits<double>::infinity(), 1e-310, -0.0, 3.25};
  auto same = [](double a, double b) {
    return std::isnan(a) ? std::isnan(b) : (a == b && std::signbit(a) == std::signbit(b));
  };
  scores::person_month row{"12271011", "P1", 202407, "40-64|F|outpatient", {std::begin(odd), std::end(odd)}};
  auto fs = roundtrip(sys, person_feature_set{{row}});
  ASSERT_EQ(fs.rows.at(0).features.size(), std::size(odd));
  for (size_t i = 0; i < std::size(odd); ++i)
    EXPECT_TRUE(same(fs.rows[0].features[i], odd[i])) << i;
  EXPECT_EQ(fs.rows[0].peer_group, "40-64|F|outpatient");

  stats::peer_model model;
  model.peer_group = "all";
  model.members = 7;
  model.features = {{odd[0], odd[1], 1}, {odd[3], odd[4], 0}};
  model.covariance = {odd[2], odd[5], odd[5], odd[1]};
  model.shrinkage = odd[3];
  auto ms = roundtrip(sys, peer_model_set{{model}});
  auto& m = ms.models.at(0);
  EXPECT_EQ(m.members, 7u);
  EXPECT_TRUE(same(m.features.at(0).median, odd[0]));
  EXPECT_TRUE(same(m.features.at(0).scale, odd[1]));
  EXPECT_TRUE(same(m.features.at(1).median, odd[3]));
  EXPECT_TRUE(same(m.features.at(1).scale, odd[4]));
  for (size_t i = 0; i < 4; ++i)
    EXPECT_TRUE(same(m.covariance.at(i), model.covariance[i])) << i;
  EXPECT_TRUE(same(m.shrinkage, odd[3]));

  person_scores ps;
  ps.rows = {row};
  ps.scores = {{odd[1], "all", "visit_days=9.0"}};
  ps.findings = {sample_finding(odd[0])};
  auto psb = roundtrip(sys, ps);
  EXPECT_TRUE(same(psb.scores.at(0).score, odd[1]));
  EXPECT_EQ(psb.scores[0].top_features, "visit_days=9.0");
  EXPECT_TRUE(std::isnan(psb.findings.at(0).value));

  scores::institution_month im;
  im.institution = "2710000001";
  im.month = 202407;
  im.receipts = 12;
  im.brand_lines = 3;
  auto is = roundtrip(sys, institution_set{{im}});
  EXPECT_EQ(is.rows.at(0).institution, "2710000001");
  EXPECT_EQ(is.rows[0].brand_lines, 3);
  institution_scores iscores;
  iscores.rows = {{im, {odd[0], odd[5]}, {odd[2], "medical-clinic", ""}}};
  auto isb = roundtrip(sys, iscores);
  EXPECT_TRUE(same(isb.rows.at(0).features.at(0), odd[0]));
  EXPECT_TRUE(same(isb.rows[0].result.score, odd[2]));

  auto sb = roundtrip(sys, scheme_batch{{{"12271011", "P1", 15, 20240101, 0}}});
  EXPECT_EQ(sb.rows.at(0).law_no, 15);
  shard_result sr;
  sr.features = {row};
  sr.institutions = {im};
  auto srb = roundtrip(sys, sr);
  EXPECT_EQ(srb.features.size(), 1u);
  EXPECT_EQ(srb.institutions.at(0).receipts, 12u);
}

TEST(messages, claims_carry_what_the_checks_read) {
  config cfg;
  caf::actor_system sys{cfg};
  auto c = sample_claim();
  c.admission_date = 20240101;
  c.prescriber = "2711234567";
  c.other_laws = {15, 21};
  c.diseases = {2500015, 999};
  c.procedures = {120002910};
  c.drugs = {{610443047, 21, 30, 3000000}};
  c.group_points = {1, 2, 3};
  auto back = roundtrip(sys, claim_batch{{c}}).claims.at(0);
  EXPECT_EQ(back.admission_date, 20240101u);
  EXPECT_EQ(back.prescriber, "2711234567");
  EXPECT_EQ(back.other_laws, (std::vector<uint8_t>{15, 21}));
  EXPECT_EQ(back.diseases, c.diseases);
  EXPECT_EQ(back.procedures, c.procedures);
  ASSERT_EQ(back.drugs.size(), 1u);
  EXPECT_EQ(back.drugs[0].quantity, 3000000);
  EXPECT_EQ(back.drugs[0].days, 30);
  EXPECT_EQ(back.group_points, c.group_points);
}

TEST(messages, non_finite_and_subnormal_doubles_survive) {
  config cfg;
  caf::actor_system sys{cfg};
  for (double v : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity(), 1e-310, -0.0}) {
    shard_result s;
    s.results.findings.push_back(sample_finding(v));
    auto back = roundtrip(sys, s).results.findings.at(0).value;
    if (std::isnan(v)) {
      EXPECT_TRUE(std::isnan(back));
    } else {
      EXPECT_EQ(back, v);
      EXPECT_EQ(std::signbit(back), std::signbit(v));
    }
  }
}

TEST(messages, every_type_in_the_block_is_registered) {
  config cfg;
  caf::actor_system sys{cfg};
  // A registered type has a name the system can build values from.
  for (auto name : {"receptor::actors::claim_batch", "receptor::actors::ticket_batch",
                    "receptor::actors::recipient_batch", "receptor::actors::office_list",
                    "receptor::actors::file_done", "receptor::actors::match_request",
                    "receptor::actors::shard_result", "receptor::actors::write_request",
                    "receptor::actors::scheme_batch", "receptor::actors::person_feature_set",
                    "receptor::actors::peer_model_set", "receptor::actors::person_scores",
                    "receptor::actors::institution_set", "receptor::actors::institution_scores"}) {
    auto value = sys.types().make_value(name);
    EXPECT_TRUE(value != nullptr) << name;
  }
  EXPECT_TRUE(sys.types().make_value("receptor::actors::not_a_message") == nullptr);
}
