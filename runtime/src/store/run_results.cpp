#include "receptor/store/run_results.hpp"

#include "receptor/dates.hpp"

#include <openssl/evp.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <tuple>

#include "receptor/checks/person_checks.hpp"
#include "receptor/privacy/base64.hpp"
#include "receptor/store/column_table.hpp"
#include "receptor/store/result_file.hpp"
#include "receptor/store/sealed_columns.hpp"
#include "receptor/uke/summary.hpp"

namespace receptor::store {

namespace {

const char* kind_name(uint8_t kind) {
  switch (kind) {
    case 1: return "医科";
    case 2: return "DPC";
    case 3: return "歯科";
    case 4: return "調剤";
    default: return "";
  }
}

// Adds columns in order, remembering the first error.
struct table_builder {
  column_table table;
  error first;
  void add(std::string name, column_data data) {
    auto err = table.add(std::move(name), std::move(data));
    if (err && !first)
      first = std::move(err);
  }
};

// Consumes the claims and their matches: each gives up its heap as its
// values are taken, so the table does not sit beside a second copy of them.
column_table receipts_table(run_output& run, error& err) {
  table_builder t;
  string_array key, file, kind, office, recipient, person, month, institution, status, ticket;
  std::vector<uint32_t> line;
  std::vector<uint8_t> law;
  std::vector<uint16_t> type;
  bool_array inpatient;
  std::vector<int32_t> days, points, copay;
  std::vector<uint32_t> care_days;
  for (auto [part, i] : run.order) {
    auto& c = run.claims[part][i];
    auto& m = run.receipts[part][i];
    key.push_back(c.receipt_key);
    file.push_back(c.source_file < run.inputs.size() ? run.inputs[c.source_file].path : std::string{});
    line.push_back(c.source_line);
    kind.push_back(kind_name(c.kind));
    office.push_back(c.office_no);
    recipient.push_back(c.recipient_no);
    law.push_back(c.law_no);
    person.push_back(m.person_id);
    month.push_back(iso_month(c.month));
    institution.push_back(c.institution);
    inpatient.push_back(c.care == static_cast<uint8_t>(match::care_type::inpatient));
    days.push_back(c.days);
    points.push_back(c.points);
    copay.push_back(c.copay);
    status.push_back(match::to_string(m.result));
    ticket.push_back(m.ticket_id);
    type.push_back(c.receipt_type);
    care_days.push_back(c.care_days);
    c = match::claim{};
    m = match::receipt_match{};
  }
  run.claims = {};
  run.receipts = {};
  run.order = {};
  t.add("receipt_key", std::move(key));
  t.add("source_file", std::move(file));
  t.add("source_line", std::move(line));
  t.add("kind", std::move(kind));
  t.add("office_no", std::move(office));
  t.add("recipient_no", std::move(recipient));
  t.add("law_no", std::move(law));
  t.add("person_id", std::move(person));
  t.add("month", std::move(month));
  t.add("institution", std::move(institution));
  t.add("inpatient", std::move(inpatient));
  t.add("days", std::move(days));
  t.add("points", std::move(points));
  t.add("copay", std::move(copay));
  t.add("match_status", std::move(status));
  t.add("ticket_id", std::move(ticket));
  t.add("receipt_type", std::move(type));
  t.add("care_days", std::move(care_days));
  err = std::move(t.first);
  return std::move(t.table);
}

column_table tickets_table(const run_output& run, error& err) {
  table_builder t;
  string_array id, office, recipient, person, month, institution, use;
  std::vector<uint8_t> care;
  std::vector<uint32_t> from, to;
  std::vector<int32_t> copay;
  for (size_t i = 0; i < run.tickets.size(); ++i) {
    auto& k = run.tickets[i];
    id.push_back(k.ticket_id);
    office.push_back(k.office_no);
    recipient.push_back(k.recipient_no);
    person.push_back(k.person_id);
    month.push_back(iso_month(k.month));
    institution.push_back(k.institution);
    care.push_back(k.care);
    from.push_back(k.valid_from);
    to.push_back(k.valid_to);
    copay.push_back(k.copay);
    use.push_back(i < run.ticket_uses.size() ? run.ticket_uses[i].use_status : std::string{});
  }
  t.add("ticket_id", std::move(id));
  t.add("office_no", std::move(office));
  t.add("recipient_no", std::move(recipient));
  t.add("person_id", std::move(person));
  t.add("month", std::move(month));
  t.add("institution", std::move(institution));
  t.add("care_type", std::move(care));
  t.add("valid_from", std::move(from));
  t.add("valid_to", std::move(to));
  t.add("copay", std::move(copay));
  t.add("use_status", std::move(use));
  err = std::move(t.first);
  return std::move(t.table);
}

column_table findings_table(const run_output& run, error& err) {
  table_builder t;
  string_array id, code, office, person, recipient, month, institution, receipt, ticket, detail;
  std::vector<uint8_t> severity;
  std::vector<double> value;
  for (auto& f : run.findings) {
    id.push_back(f.finding_id);
    code.push_back(f.code);
    severity.push_back(f.severity);
    office.push_back(f.office_no);
    person.push_back(f.person_id);
    recipient.push_back(f.recipient_no);
    month.push_back(iso_month(f.month));
    institution.push_back(f.institution);
    receipt.push_back(f.receipt_key);
    ticket.push_back(f.ticket_id);
    value.push_back(f.value);
    detail.push_back(f.detail);
  }
  t.add("finding_id", std::move(id));
  t.add("code", std::move(code));
  t.add("severity", std::move(severity));
  t.add("office_no", std::move(office));
  t.add("person_id", std::move(person));
  t.add("recipient_no", std::move(recipient));
  t.add("month", std::move(month));
  t.add("institution", std::move(institution));
  t.add("receipt_key", std::move(receipt));
  t.add("ticket_id", std::move(ticket));
  t.add("value", std::move(value));
  t.add("detail", std::move(detail));
  err = std::move(t.first);
  return std::move(t.table);
}

column_table quarantine_table(const run_output& run, error& err) {
  table_builder t;
  string_array file, reason, raw;
  std::vector<uint32_t> line;
  for (auto& q : run.quarantine) {
    file.push_back(q.source_file);
    line.push_back(q.source_line);
    reason.push_back(q.reason);
    // Raw bytes may not be UTF-8 (a bad line): keep what decodes.
    raw.push_back(valid_text(q.raw) ? q.raw : std::string{"(not UTF-8)"});
  }
  t.add("source_file", std::move(file));
  t.add("source_line", std::move(line));
  t.add("reason", std::move(reason));
  t.add("raw", std::move(raw));
  err = std::move(t.first);
  return std::move(t.table);
}

// Office × month: receipts by status, points, findings.
column_table summary_table(const run_output& run, error& err) {
  constexpr int statuses = static_cast<int>(match::status::no_ticket_feed) + 1;
  struct counts {
    uint64_t receipts = 0;
    uint64_t by_status[statuses] = {};
    int64_t points = 0;
    uint64_t findings = 0;
  };
  std::map<std::pair<std::string, uint32_t>, counts> cells;
  for (auto [part, i] : run.order) {
    auto& c = run.claims[part][i];
    if (c.law_no == 0)
      continue;
    auto& cell = cells[{c.office_no, c.month}];
    ++cell.receipts;
    cell.points += c.points;
    auto s = static_cast<int>(run.receipts[part][i].result);
    if (s < statuses)
      ++cell.by_status[s];
  }
  // Every check code gets a column, found or not, so notebooks can rely on
  // them; ANOMALOUS_INSTITUTION belongs to no office.
  auto check_codes = checks::rule_codes();
  check_codes.insert(check_codes.end(), {"TICKET_UNUSED", "ANOMALOUS_PERSON"});
  std::map<std::pair<std::string, uint32_t>, std::map<std::string, uint64_t>> by_code;
  for (auto& f : run.findings) {
    if (f.office_no.empty())
      continue; // institution-level findings belong to no office
    ++cells[{f.office_no, f.month}].findings;
    ++by_code[{f.office_no, f.month}][f.code];
  }
  table_builder t;
  string_array office, month;
  std::vector<uint64_t> receipts, findings, drugs, generics;
  std::vector<double> generic_share;
  std::vector<int64_t> points;
  std::vector<std::vector<uint64_t>> by_status(statuses);
  std::vector<std::vector<uint64_t>> per_code(check_codes.size());
  for (auto& [key, cell] : cells) {
    office.push_back(key.first);
    month.push_back(iso_month(key.second));
    receipts.push_back(cell.receipts);
    points.push_back(cell.points);
    findings.push_back(cell.findings);
    for (int s = 0; s < statuses; ++s)
      by_status[static_cast<size_t>(s)].push_back(cell.by_status[s]);
    auto lines = run.drug_lines.count(key) ? run.drug_lines.at(key) : std::pair<uint64_t, uint64_t>{0, 0};
    drugs.push_back(lines.first);
    generics.push_back(lines.second);
    // No drugs billed: the share is undefined, not 0.
    generic_share.push_back(lines.first ? static_cast<double>(lines.second) / static_cast<double>(lines.first)
                                        : std::numeric_limits<double>::quiet_NaN());
    auto codes = by_code.find(key);
    for (size_t k = 0; k < check_codes.size(); ++k)
      per_code[k].push_back(codes == by_code.end() || !codes->second.count(check_codes[k])
                              ? 0
                              : codes->second.at(check_codes[k]));
  }
  t.add("office_no", std::move(office));
  t.add("month", std::move(month));
  t.add("receipts", std::move(receipts));
  for (int s = 0; s < statuses; ++s)
    t.add(match::to_string(static_cast<match::status>(s)), std::move(by_status[static_cast<size_t>(s)]));
  t.add("points", std::move(points));
  t.add("findings", std::move(findings));
  t.add("drug_lines", std::move(drugs));
  t.add("generic_lines", std::move(generics));
  t.add("generic_share", std::move(generic_share));
  for (size_t k = 0; k < check_codes.size(); ++k)
    t.add("findings_" + check_codes[k], std::move(per_code[k]));
  err = std::move(t.first);
  return std::move(t.table);
}

column_table person_scores_table(const run_output& run, error& err) {
  table_builder t;
  string_array office, person, month, group, model, top;
  std::vector<double> score;
  auto& names = scores::person_feature_names();
  std::vector<std::vector<double>> features(names.size());
  for (size_t i = 0; i < run.person_rows.size(); ++i) {
    auto& r = run.person_rows[i];
    office.push_back(r.office_no);
    person.push_back(r.person_id);
    month.push_back(iso_month(r.month));
    auto* s = i < run.person_scores.size() ? &run.person_scores[i] : nullptr;
    score.push_back(s ? s->score : 0.0);
    group.push_back(r.peer_group);
    model.push_back(s ? s->peer_group : std::string{});
    top.push_back(s ? s->top_features : std::string{});
    for (size_t j = 0; j < names.size(); ++j)
      features[j].push_back(j < r.features.size() ? r.features[j] : 0.0);
  }
  t.add("office_no", std::move(office));
  t.add("person_id", std::move(person));
  t.add("month", std::move(month));
  t.add("score", std::move(score));
  t.add("peer_group", std::move(group));
  // The group whose model scored the row: "all" when its own was too small.
  t.add("model_group", std::move(model));
  t.add("top_features", std::move(top));
  for (size_t j = 0; j < names.size(); ++j)
    t.add("f_" + names[j], std::move(features[j]));
  err = std::move(t.first);
  return std::move(t.table);
}

column_table institution_scores_table(const run_output& run, error& err) {
  table_builder t;
  string_array institution, month, group, model, top;
  std::vector<double> score;
  std::vector<uint64_t> receipts, patients;
  auto& names = scores::institution_feature_names();
  std::vector<std::vector<double>> features(names.size());
  for (auto& r : run.institution_scores) {
    institution.push_back(r.totals.institution);
    month.push_back(iso_month(r.totals.month));
    score.push_back(r.result.score);
    group.push_back(scores::institution_peer_group(r.totals));
    model.push_back(r.result.peer_group);
    top.push_back(r.result.top_features);
    receipts.push_back(r.totals.receipts);
    patients.push_back(r.totals.patients);
    for (size_t j = 0; j < names.size(); ++j)
      features[j].push_back(j < r.features.size() ? r.features[j] : 0.0);
  }
  t.add("institution", std::move(institution));
  t.add("month", std::move(month));
  t.add("score", std::move(score));
  t.add("peer_group", std::move(group));
  t.add("model_group", std::move(model));
  t.add("top_features", std::move(top));
  t.add("receipts", std::move(receipts));
  t.add("patients", std::move(patients));
  for (size_t j = 0; j < names.size(); ++j)
    t.add("f_" + names[j], std::move(features[j]));
  err = std::move(t.first);
  return std::move(t.table);
}

std::string inputs_json(const run_output& run) {
  std::string out = "[";
  for (size_t i = 0; i < run.inputs.size(); ++i) {
    auto& f = run.inputs[i];
    out += i ? ",{" : "{";
    out += "\"path\":\"" + uke::json_escape(f.path) + "\",\"role\":\"" + f.role + "\",\"bytes\":"
           + std::to_string(f.bytes) + ",\"sha256\":\"" + f.sha256 + "\"";
    if (f.role == "receipts")
      out += ",\"format\":\"" + f.format + "\",\"receipts\":" + std::to_string(f.receipts);
    out += "}";
  }
  return out + "]";
}

uint32_t month_from_text(std::string_view text) {
  // "YYYY-MM" → YYYYMM
  if (text.size() != 7)
    return 0;
  uint32_t v = 0;
  for (char c : text)
    if (c != '-')
      v = v * 10 + static_cast<uint32_t>(c - '0');
  return v;
}

} // namespace

expected<previous_results> read_previous(const std::filesystem::path& path) {
  auto attrs = read_attributes(path.string());
  if (!attrs)
    return attrs.error_value();
  if (attrs->schema_version != schema_version)
    return make_error(ec::format_error, path.string() + ": schema version " + std::to_string(attrs->schema_version)
                                          + ", expected " + std::to_string(schema_version));
  previous_results out;
  auto receipts = read_table(path.string(), "receipts");
  if (!receipts)
    return receipts.error_value();
  auto* key = receipts->get<string_array>("receipt_key");
  auto* status = receipts->get<string_array>("match_status");
  auto* ticket = receipts->get<string_array>("ticket_id");
  auto* person = receipts->get<string_array>("person_id");
  auto* line = receipts->get<std::vector<uint32_t>>("source_line");
  if (!key || !status || !ticket || !person || !line)
    return make_error(ec::format_error, path.string() + ": receipts table lacks a column");
  for (size_t i = 0; i < key->size(); ++i) {
    match::receipt_match m;
    m.receipt_key = std::string{(*key)[i]};
    m.source_line = (*line)[i];
    m.result = match::status_from_string((*status)[i]);
    m.ticket_id = std::string{(*ticket)[i]};
    m.person_id = std::string{(*person)[i]};
    out.receipts.emplace(m.receipt_key, std::move(m));
  }
  auto master = privacy::master_key::load();
  if (!master)
    return master.error_value();
  auto findings = read_opened_table(path.string(), "findings", *master); // recipient_no is sealed
  if (!findings)
    return findings.error_value();
  auto text = [&](const char* name) { return findings->get<string_array>(name); };
  auto *id = text("finding_id"), *code = text("code"), *office = text("office_no"), *fperson = text("person_id"),
       *recipient = text("recipient_no"), *month = text("month"), *institution = text("institution"),
       *receipt = text("receipt_key"), *fticket = text("ticket_id"), *detail = text("detail");
  auto* severity = findings->get<std::vector<uint8_t>>("severity");
  auto* value = findings->get<std::vector<double>>("value");
  if (!id || !code || !office || !fperson || !recipient || !month || !institution || !receipt || !fticket || !detail
      || !severity || !value)
    return make_error(ec::format_error, path.string() + ": findings table lacks a column");
  for (size_t i = 0; i < id->size(); ++i) {
    if ((*receipt)[i].empty())
      continue; // ticket-level findings are decided anew
    match::finding f;
    f.finding_id = std::string{(*id)[i]};
    f.code = std::string{(*code)[i]};
    f.severity = (*severity)[i];
    f.office_no = std::string{(*office)[i]};
    f.person_id = std::string{(*fperson)[i]};
    f.recipient_no = std::string{(*recipient)[i]};
    f.month = month_from_text((*month)[i]);
    f.institution = std::string{(*institution)[i]};
    f.receipt_key = std::string{(*receipt)[i]};
    f.ticket_id = std::string{(*fticket)[i]};
    f.value = (*value)[i];
    f.detail = std::string{(*detail)[i]};
    out.receipt_findings[f.receipt_key].push_back(std::move(f));
  }
  auto tickets = read_table(path.string(), "tickets");
  if (!tickets)
    return tickets.error_value();
  auto* tid = tickets->get<string_array>("ticket_id");
  auto* use = tickets->get<string_array>("use_status");
  if (!tid || !use)
    return make_error(ec::format_error, path.string() + ": tickets table lacks a column");
  for (size_t i = 0; i < tid->size(); ++i)
    out.ticket_use.emplace(std::string{(*tid)[i]}, std::string{(*use)[i]});
  return out;
}

expected<std::string> sha256_file(const std::filesystem::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file)
    return make_error(ec::io_error, path.string() + ": cannot open for hashing");
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), file)) > 0)
    EVP_DigestUpdate(ctx, buf.data(), n);
  bool failed = std::ferror(file);
  std::fclose(file);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  if (failed)
    return make_error(ec::io_error, path.string() + ": read error while hashing");
  return privacy::hex_encode(digest, len);
}

error write_results(const std::filesystem::path& path, run_output run) {
  // Identifier columns are sealed under a data key of this file (docs/privacy.md).
  auto master = privacy::master_key::load();
  if (!master)
    return master.error_value();
  auto sealer = column_sealer::create(*master);
  if (!sealer)
    return sealer.error_value();
  result_file_writer writer;
  if (auto err = writer.open(path.string()))
    return err;
  result_attributes attrs;
  attrs.schema_version = schema_version;
  attrs.engine_version = RECEPTOR_VERSION;
  attrs.config = run.config_json.empty() ? "{}" : run.config_json;
  attrs.inputs = inputs_json(run);
  if (auto err = writer.write_attributes(attrs))
    return err;
  if (auto err = sealer->write_key(writer))
    return err;
  // The summary reads the claims, so it is built before the receipts table
  // consumes them; it is written in its place among the tables.
  error summary_error;
  auto summary = summary_table(run, summary_error);
  using builder = std::function<column_table(error&)>;
  auto from = [&run](column_table (*make)(const run_output&, error&)) {
    return builder{[&run, make](error& err) { return make(run, err); }};
  };
  const std::pair<const char*, builder> tables[] = {
    {"receipts", [&run](error& err) { return receipts_table(run, err); }},
    {"tickets", from(tickets_table)},
    {"findings", from(findings_table)},
    {"quarantine", from(quarantine_table)},
    {"summary", [&](error& err) { err = std::move(summary_error); return std::move(summary); }},
    {"scores_person", from(person_scores_table)},
    {"scores_institution", from(institution_scores_table)}};
  struct sealed_table {
    column_table table;
    std::vector<std::string> sealed;
    error err;
  };
  auto build = [&tables, &sealer](size_t i) {
    auto& [name, make] = tables[i];
    sealed_table out;
    error err;
    out.table = make(err);
    if (!err) {
      auto sealed = sealer->seal(name, out.table);
      if (sealed)
        out.sealed = std::move(*sealed);
      else
        err = sealed.error_value();
    }
    if (err)
      out.err = make_error(err.code, std::string{name} + ": " + err.message);
    return out;
  };
  // HDF5 takes one thread. The next two tables are built and sealed on
  // threads of their own meanwhile, and each is written as soon as it is
  // ready: the receipts table takes longest to build, and the others need
  // not wait behind it (readers find tables by name, not by their order).
  constexpr size_t count = std::size(tables), ahead = 2;
  std::vector<sealed_table> built(count);
  std::mutex mutex;
  std::condition_variable finished;
  std::deque<size_t> ready;
  std::vector<std::future<void>> building; // last: its destructor waits for every build
  size_t launched = 0;
  auto launch = [&] {
    building.push_back(std::async(std::launch::async, [&, i = launched++] {
      sealed_table table;
      try {
        table = build(i);
      } catch (const std::exception& e) {
        table.err = make_error(ec::unexpected, std::string{tables[i].first} + ": " + e.what());
      }
      std::lock_guard lock{mutex};
      built[i] = std::move(table);
      ready.push_back(i);
      finished.notify_one();
    }));
  };
  while (launched < count && launched < ahead)
    launch();
  for (size_t written = 0; written < count; ++written) {
    size_t i = 0;
    {
      std::unique_lock lock{mutex};
      finished.wait(lock, [&] { return !ready.empty(); });
      i = ready.front();
      ready.pop_front();
    }
    if (launched < count)
      launch();
    auto table = std::move(built[i]);
    if (table.err)
      return table.err;
    if (auto err = sealer->write_sealed(writer, tables[i].first, table.table, table.sealed))
      return err;
  }
  return writer.commit();
}

} // namespace receptor::store
