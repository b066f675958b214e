#include "receptor/uke/writer.hpp"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <vector>

#include "receptor/uke/layout.hpp"

namespace receptor::uke {

namespace {

using namespace receptor::model;

// What a line of the output is, in the table it came from.
enum class source : uint8_t {
  institution, mn, re, coverage, jd, disease, item, extra, jy, claimed, quarantined, go
};

struct event {
  uint32_t line;
  source from;
  uint32_t row;
};

// One record's fields, assembled then joined with commas.
class record_builder {
public:
  void start(size_t fields) {
    fields_.assign(fields, std::string{});
  }
  void set(int i, std::string_view value) {
    if (i >= 0 && static_cast<size_t>(i) < fields_.size())
      fields_[static_cast<size_t>(i)].assign(value);
  }
  void number(int i, int64_t value) {
    if (value != no_value)
      set(i, std::to_string(value));
  }
  void code(int i, uint32_t value, int width) {
    if (value == 0)
      return;
    char buf[24];
    std::snprintf(buf, sizeof buf, "%0*u", width & 15, value);
    set(i, buf);
  }
  void append_to(std::string& out) const {
    for (size_t i = 0; i < fields_.size(); ++i) {
      if (i)
        out += ',';
      out += fields_[i];
    }
  }

private:
  std::vector<std::string> fields_;
};

std::string decimal(int64_t q) {
  auto whole = q / quantity_scale;
  auto frac = q % quantity_scale;
  std::string s = std::to_string(whole);
  if (frac != 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%05lld", static_cast<long long>(frac));
    std::string f = buf;
    while (!f.empty() && f.back() == '0')
      f.pop_back();
    s += '.' + f;
  }
  return s;
}

class batch_writer {
public:
  explicit batch_writer(const receipt_batch& b) : b_(b), l_(layout_for(b.kind)) {}

  std::string run() {
    auto events = collect();
    std::string out;
    out.reserve(b_.bytes + 64);
    const char* eol = b_.crlf ? "\r\n" : "\n";
    // Fuzz fix: lines the reader skips (empty lines, a 0x1A line before the
    // end) are written back empty, so every later line keeps its number: line
    // numbers are in the batch (diagnostics, quarantine), and payer-side row
    // numbers are checked against them.
    uint32_t next_line = 1;
    for (size_t i = 0; i < events.size(); ++i) {
      for (; next_line < events[i].line; ++next_line)
        out += eol;
      next_line = events[i].line + 1;
      if (payer() && starts_block(events[i]))
        block_line_ = events[i].line;
      auto start = out.size();
      render(events[i], out);
      // Fuzz fix: the reader drops one CR before a line end, so a line whose
      // own bytes end in CR (a line of a lone CR, kept in quarantine) needs
      // CRLF after it even in an LF file, or one more CR if it is the last
      // line without a newline; otherwise it reads back shorter, or empty
      // and so not at all.
      bool ends_in_cr = out.size() > start && out.back() == '\r';
      if (i + 1 < events.size() || b_.final_newline)
        out += ends_in_cr ? "\r\n" : eol;
      else if (ends_in_cr && !b_.eof_marker)
        out += '\r';
    }
    if (b_.eof_marker)
      out += '\x1A';
    // Fuzz fix: the reader drops a UTF-8 BOM at the start of the file, so a
    // first line whose own bytes start with one (a file with two BOMs) needs
    // one more in front, or it reads back without it (and as a record).
    if (std::string_view{out}.substr(0, 3) == "\xEF\xBB\xBF")
      out.insert(0, "\xEF\xBB\xBF");
    return out;
  }

private:
  std::vector<event> collect() const {
    std::vector<event> ev;
    auto add = [&](source s, const std::vector<uint32_t>& lines) {
      for (uint32_t i = 0; i < lines.size(); ++i)
        ev.push_back({lines[i], s, i});
    };
    add(source::institution, b_.institutions.line);
    add(source::re, b_.receipts.re_line);
    for (uint32_t i = 0; i < b_.receipts.size(); ++i)
      if (b_.receipts.source_line[i] != b_.receipts.re_line[i])
        ev.push_back({b_.receipts.source_line[i], source::mn, i});
    add(source::coverage, b_.coverages.line);
    for (uint32_t i = 0; i < b_.coverages.size(); ++i)
      if (b_.coverages.jd_line[i] != 0)
        ev.push_back({b_.coverages.jd_line[i], source::jd, i});
    add(source::disease, b_.diseases.line);
    add(source::item, b_.items.line);
    add(source::extra, b_.extras.line);
    add(source::jy, b_.corrections.line);
    for (uint32_t i = 0; i < b_.corrections.size(); ++i)
      if (b_.corrections.claimed_line[i] != 0)
        ev.push_back({b_.corrections.claimed_line[i], source::claimed, i});
    add(source::quarantined, b_.quarantine.line);
    if (b_.go.present)
      ev.push_back({b_.go.line, source::go, 0});
    std::sort(ev.begin(), ev.end(), [](const event& a, const event& b) { return a.line < b.line; });
    return ev;
  }

  bool payer() const { return b_.side == file_side::payer; }

  // Fuzz fix: a payer-side block starts at its MN line, wherever the MN ended
  // up: with its receipt, quarantined, or superseded by a JY (claimed). The
  // row numbers of the block count from there. Guessing the start from an RE
  // without MN numbered the rows of a block from its second RE, or from the
  // RE of a block whose MN a JY had deleted, so they read back differently.
  bool starts_block(const event& e) const {
    switch (e.from) {
      case source::mn: return true;
      case source::quarantined: return b_.quarantine.record[e.row] == rec::MN;
      case source::claimed: return b_.corrections.target_record[e.row] == rec::MN;
      case source::extra: return b_.extras.record[e.row] == rec::MN;
      default: return false;
    }
  }

  // Payer side: `データ識別,行番号,枝番号,` with the row counted from the MN line.
  void prefix(std::string& out, uint32_t line, bool reviewer) const {
    if (!payer())
      return;
    out += reviewer ? "2," : "1,";
    out += std::to_string(line - block_line_ + 1);
    out += ",0,";
  }

  void render(const event& e, std::string& out) {
    switch (e.from) {
      case source::institution: return institution(e, out);
      case source::mn: return mn(e, out);
      case source::re: return receipt(e, out);
      case source::coverage: return coverage(e, out);
      case source::jd: return jd(e, out);
      case source::disease: return disease(e, out);
      case source::item: return item(e, out);
      case source::extra: out += b_.view(b_.extras.raw[e.row]); return;
      case source::jy: out += b_.view(b_.corrections.raw[e.row]); return;
      case source::claimed: out += b_.view(b_.corrections.claimed_raw[e.row]); return;
      case source::quarantined: out += b_.view(b_.quarantine.raw[e.row]); return;
      case source::go: return go(out);
    }
  }

  bool verbatim(uint8_t flags, text_ref raw, std::string& out) const {
    if (!(flags & row_flag::raw))
      return false;
    out += b_.view(raw);
    return true;
  }

  void institution(const event& e, std::string& out) {
    auto& t = b_.institutions;
    auto i = e.row;
    if (verbatim(t.flags[i], t.raw[i], out))
      return;
    bool per_receipt = l_.kind == receipt_kind::dental && t.record[i] == rec::IR;
    const auto& map = per_receipt ? l_.institution : l_.header;
    rb_.start(map.fields);
    rb_.set(0, t.record[i].str());
    if (t.reviewer[i])
      rb_.number(map.reviewer, t.reviewer[i]);
    rb_.code(map.prefecture, t.prefecture[i], 2);
    if (t.table[i])
      rb_.number(map.table, t.table[i]);
    rb_.set(map.code, b_.view(t.code[i]));
    rb_.set(map.name, b_.view(t.name[i]));
    rb_.set(map.month, b_.view(t.billing_month_text[i]));
    rb_.set(map.volume, b_.view(t.volume[i]));
    rb_.set(map.phone, b_.view(t.phone[i]));
    prefix(out, e.line, t.flags[i] & row_flag::reviewer);
    rb_.append_to(out);
  }

  void mn(const event& e, std::string& out) {
    auto& t = b_.receipts;
    block_line_ = e.line;
    if (!t.mn_raw[e.row].empty()) {
      out += b_.view(t.mn_raw[e.row]);
      return;
    }
    rb_.start(mn_fields);
    rb_.set(0, "MN");
    rb_.set(1, b_.view(t.management_no[e.row]));
    rb_.set(2, b_.view(t.mn_address[e.row]));
    rb_.set(3, b_.view(t.mn_search_no[e.row]));
    prefix(out, e.line, true);
    rb_.append_to(out);
  }

  void receipt(const event& e, std::string& out) {
    auto& t = b_.receipts;
    auto i = e.row;
    if (verbatim(t.flags[i], t.raw[i], out))
      return;
    const auto& map = l_.re;
    rb_.start(map.fields);
    rb_.set(0, "RE");
    if (t.receipt_no[i])
      rb_.number(map.receipt_no, t.receipt_no[i]);
    rb_.code(map.type, t.receipt_type[i], 4);
    rb_.set(map.month, b_.view(t.month_text[i]));
    rb_.set(map.name, b_.view(t.name[i]));
    if (t.sex[i])
      rb_.number(map.sex, t.sex[i]);
    rb_.set(map.birth, b_.view(t.birth_date_text[i]));
    rb_.number(map.ratio, t.benefit_ratio[i]);
    rb_.set(map.admission, b_.view(t.admission_date_text[i]));
    rb_.set(map.notes, b_.view(t.special_notes[i]));
    rb_.set(map.chart, b_.view(t.chart_no[i]));
    rb_.set(map.search, b_.view(t.search_no[i]));
    rb_.set(map.kana, b_.view(t.kana[i]));
    rb_.code(map.prescriber_prefecture, t.prescriber_prefecture[i], 2);
    rb_.code(map.prescriber_table, t.prescriber_table[i], 1);
    rb_.set(map.prescriber_code, b_.view(t.prescriber_code[i]));
    rb_.set(map.prescriber_name, b_.view(t.prescriber_name[i]));
    prefix(out, e.line, t.flags[i] & row_flag::reviewer);
    rb_.append_to(out);
  }

  void coverage(const event& e, std::string& out) {
    auto& t = b_.coverages;
    auto i = e.row;
    if (verbatim(t.flags[i], t.raw[i], out))
      return;
    const auto& map = t.record[i] == rec::HO ? l_.ho : l_.ko;
    rb_.start(map.fields);
    rb_.set(0, t.record[i].str());
    rb_.set(map.payer_no, b_.view(t.payer_no[i]));
    rb_.set(map.symbol, b_.view(t.member_symbol[i]));
    rb_.set(map.member_no, b_.view(t.member_no[i]));
    rb_.number(map.days, t.days[i]);
    rb_.number(map.points, t.points[i]);
    rb_.number(map.copay, t.copay[i]);
    rb_.number(map.meal_count, t.meal_count[i]);
    rb_.number(map.meal_amount, t.meal_amount[i]);
    prefix(out, e.line, t.flags[i] & row_flag::reviewer);
    rb_.append_to(out);
  }

  void jd(const event& e, std::string& out) {
    auto& t = b_.coverages;
    auto i = e.row;
    if (!t.jd_raw[i].empty()) {
      out += b_.view(t.jd_raw[i]);
      return;
    }
    rb_.start(jd_fields);
    rb_.set(0, "JD");
    rb_.number(1, t.record[i] == rec::HO ? 1 : t.position[i] + 1);
    for (int d = 0; d < 31; ++d) {
      uint32_t bit = 1u << d;
      if (t.visit_days[i] & bit)
        rb_.set(2 + d, "1");
      else if (t.other_days[i] & bit)
        rb_.set(2 + d, "2");
      else if (t.mismatch_days[i] & bit)
        rb_.set(2 + d, "9");
    }
    prefix(out, e.line, false);
    rb_.append_to(out);
  }

  void disease(const event& e, std::string& out) {
    auto& t = b_.diseases;
    auto i = e.row;
    if (verbatim(t.flags[i], t.raw[i], out))
      return;
    const auto& map = t.record[i] == l_.disease.id ? l_.disease : l_.sy_extra;
    rb_.start(map.fields);
    rb_.set(0, t.record[i].str());
    rb_.code(map.code, t.code[i], 7);
    rb_.set(map.start, b_.view(t.start_date_text[i]));
    if (t.outcome[i])
      rb_.number(map.outcome, t.outcome[i]);
    rb_.set(map.modifiers, b_.view(t.modifiers[i]));
    rb_.set(map.name, b_.view(t.name[i]));
    if (t.main[i])
      rb_.set(map.main, "01");
    rb_.set(map.comment, b_.view(t.comment[i]));
    prefix(out, e.line, t.flags[i] & row_flag::reviewer);
    rb_.append_to(out);
  }

  void item(const event& e, std::string& out) {
    auto& t = b_.items;
    auto i = e.row;
    if (verbatim(t.flags[i], t.raw[i], out))
      return;
    const auto* map = l_.item(t.record[i]);
    if (!map)
      return; // cannot happen: the reader typed it with this layout
    rb_.start(map->fields);
    rb_.set(0, t.record[i].str());
    if (t.flags[i] & row_flag::shikibetsu_written)
      rb_.code(map->shikibetsu, t.shikibetsu[i], map->id == rec::SH ? 1 : 2);
    if (t.burden[i])
      rb_.set(map->burden, std::string_view{&t.burden[i], 1});
    rb_.code(map->code, t.code[i], map->code_width);
    if (t.quantity[i] != no_quantity)
      rb_.set(map->quantity, decimal(t.quantity[i]));
    rb_.number(map->points, t.points[i]);
    if (map->count >= 0)
      rb_.number(map->count, t.count[i]);
    if (map->group >= 0)
      rb_.number(map->group, t.group[i]);
    rb_.set(map->text, b_.view(t.text[i]));
    if (map->first_day >= 0) {
      auto k = t.day_begin[i];
      for (int d = 0; d < 31; ++d)
        if (t.day_mask[i] & (1u << d))
          rb_.number(map->first_day + d, b_.day_counts[k++]);
    }
    if (map->first_comment >= 0) {
      auto& c = b_.item_comments;
      auto it = std::lower_bound(c.item.begin(), c.item.end(), i);
      for (auto j = static_cast<size_t>(it - c.item.begin()); j < c.size() && c.item[j] == i; ++j) {
        int slot = map->first_comment + 2 * (c.slot[j] - 1);
        rb_.code(slot, c.code[j], 9);
        rb_.set(slot + 1, b_.view(c.text[j]));
      }
    }
    prefix(out, e.line, t.flags[i] & row_flag::reviewer);
    rb_.append_to(out);
  }

  void go(std::string& out) {
    if (!b_.go.raw.empty()) {
      out += b_.view(b_.go.raw);
      return;
    }
    rb_.start(go_fields);
    rb_.set(0, "GO");
    rb_.number(1, b_.go.claims);
    rb_.number(2, b_.go.points);
    rb_.set(3, b_.view(b_.go.volume));
    rb_.append_to(out);
  }

  const receipt_batch& b_;
  const layout& l_;
  record_builder rb_;
  uint32_t block_line_ = 1;
};

} // namespace

std::string write(const receipt_batch& batch) { return batch_writer{batch}.run(); }

} // namespace receptor::uke
