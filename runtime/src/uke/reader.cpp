#include "receptor/uke/reader.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <utility>
#include <limits>
#include <memory>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "receptor/check_digit.hpp"
#include "receptor/dates.hpp"
#include "receptor/defaults.hpp"
#include "receptor/encoding.hpp"
#include "receptor/uke/layout.hpp"
#include "uke/fields.hpp"

namespace receptor::uke {

namespace {

using namespace receptor::model;
using detail::number;
using detail::split_fields;
namespace cfg = defaults::reader;

// One line as read: the whole line, and on the payer side its prefix.
struct record_line {
  const char* begin = nullptr;
  uint32_t size = 0;
  uint32_t line = 0;
  uint8_t data_kind = 1;  // payer side データ識別
  uint32_t row = 0;       // payer side 行番号
  uint32_t branch = 0;    // payer side 枝番号
  uint32_t body_offset = 0;
  bool prefix_ok = true;  // payer prefix parsed and canonical
  record_id id;

  std::string_view text() const { return {begin, size}; }
  std::string_view body() const { return {begin + body_offset, size - body_offset}; }
};

// Builds a receipt_batch from lines. The stream driver below feeds it.
class batch_builder {
public:
  batch_builder(receipt_batch& batch, const read_options& options)
    : b_(batch), options_(options) {}

  // Looks at the first bytes: encoding, side, kind.
  void probe(std::string_view head) {
    b_.encoding = detect_encoding(head, cfg::encoding_sample_bytes);
    // Skip a UTF-8 BOM for the side test; the stream driver drops it.
    if (head.substr(0, 3) == "\xEF\xBB\xBF")
      head.remove_prefix(3);
    auto first_line = head.substr(0, head.find('\n'));
    b_.crlf = !first_line.empty() && first_line.back() == '\r';
    // Payer side: `データ識別,行番号,枝番号,XX,` — three numbers before the id.
    size_t pos = 0;
    int numbers = 0;
    while (numbers < 3 && pos < first_line.size()) {
      size_t comma = first_line.find(',', pos);
      if (comma == std::string_view::npos || comma == pos)
        break;
      bool digits = true;
      for (size_t i = pos; i < comma; ++i)
        digits = digits && first_line[i] >= '0' && first_line[i] <= '9';
      if (!digits)
        break;
      ++numbers;
      pos = comma + 1;
    }
    payer_ = numbers == 3;
    b_.side = payer_ ? file_side::payer : file_side::institution;
    // DPC files share IR/RE with 医科; their own records tell them apart.
    dpc_ = has_dpc_record(head.substr(0, cfg::dpc_probe_bytes));
  }

  // True if a line of `area` is a BU record (payer side: BU after the three
  // numbers). Line by line: searching for ",BU," stopped at every comma,
  // and レセ電 lines are mostly commas.
  bool has_dpc_record(std::string_view area) const {
    for (size_t at = 0; at < area.size();) {
      auto line = area.substr(at);
      auto nl = line.find('\n');
      line = line.substr(0, nl);
      for (int skip = payer_ ? 3 : 0; skip > 0 && !line.empty(); --skip) {
        auto comma = line.find(',');
        line = comma == std::string_view::npos ? std::string_view{} : line.substr(comma + 1);
      }
      if (line.substr(0, 3) == "BU,")
        return true;
      if (nl == std::string_view::npos)
        break;
      at += nl + 1;
    }
    return false;
  }

  // Sizes the columns for a file of `bytes` bytes, so that growing them
  // never copies: the reserve is address space, not resident memory.
  void reserve(uint64_t bytes) {
    auto lines = bytes / 64 + 16;
    auto receipts = bytes / 1024 + 16;
    auto& it = b_.items;
    for (auto* v : {&it.receipt, &it.line, &it.code, &it.day_mask, &it.day_begin})
      v->reserve(lines);
    it.record.reserve(lines);
    it.flags.reserve(lines);
    it.shikibetsu.reserve(lines);
    it.burden.reserve(lines);
    it.quantity.reserve(lines);
    it.points.reserve(lines);
    it.count.reserve(lines);
    it.group.reserve(lines);
    it.text.reserve(lines);
    it.raw.reserve(lines);
    b_.day_counts.reserve(lines);
    auto& d = b_.diseases;
    for (auto* v : {&d.receipt, &d.line, &d.code, &d.start_date})
      v->reserve(receipts * 4);
    for (auto* v : {&d.start_date_text, &d.modifiers, &d.name, &d.comment, &d.raw})
      v->reserve(receipts * 4);
    b_.text.reserve(bytes / 4);
  }

  // One line without its line ending.
  void line(const char* p, size_t n, uint32_t line_no) {
    ++b_.lines;
    record_line r;
    r.begin = p;
    r.size = static_cast<uint32_t>(n);
    r.line = line_no;
    if (payer_) {
      if (!parse_prefix(r)) {
        // Not even a prefix: it cannot be placed in a block.
        quarantine(r, -1, "payer-side line without データ識別,行番号,枝番号 prefix");
        return;
      }
      if (r.id == rec::MN)
        flush_block();
      if (!in_block_) {
        if (r.id != rec::MN) {
          count(r.id);
          quarantine(r, -1, "record before the first MN block");
          return;
        }
        in_block_ = true;
      }
      block_.push_back(r);
      return;
    }
    split(r.body(), fields_);
    if (!record_id::parse(fields_[0], r.id)) {
      quarantine(r, 0, "not a record identifier");
      return;
    }
    count(r.id);
    decode(r);
  }

  void finish() {
    flush_block();
    close_receipt();
    check_go();
    b_.kind = kind();
    if (b_.kind == receipt_kind::unknown && b_.lines > 0)
      diagnose(severity::error, 0, {}, -1, "no IR, UK, YK or MN record: not a receipt file");
  }

  // The earliest byte still needed (start of a pending payer block), or null.
  const char* keep_from() const { return block_.empty() ? nullptr : block_.front().begin; }

  // The stream driver moved its buffer: move the pending views with it.
  void rebase(const char* old_base, const char* new_base) {
    for (auto& r : block_)
      r.begin = new_base + (r.begin - old_base);
  }

  // A pending block grew past the limit: read what there is.
  size_t pending_block_bytes(const char* end) const {
    return block_.empty() ? 0 : static_cast<size_t>(end - block_.front().begin);
  }
  void force_flush(uint32_t line_no) {
    diagnose(severity::warning, line_no, rec::MN, -1,
             "receipt block larger than the block limit: read in parts");
    flush_block();
    in_block_ = true; // the rest still belongs to a receipt block
  }

  void quarantine_long_line(std::string_view head, uint32_t line_no) {
    ++b_.lines;
    auto& q = b_.quarantine;
    q.line.push_back(line_no);
    q.record.push_back({});
    q.field.push_back(-1);
    q.reason.push_back("line longer than " + std::to_string(cfg::max_line_bytes) + " bytes");
    q.raw.push_back(b_.text.add(head.substr(0, cfg::quarantine_raw_bytes)));
    diagnose(severity::error, line_no, {}, -1, q.reason.back());
  }

private:
  receipt_kind kind() const {
    if (header_kind_ == receipt_kind::medical && dpc_)
      return receipt_kind::dpc;
    return header_kind_;
  }

  const layout& current_layout() const { return layout_for(kind()); }

  void count(record_id id) {
    if (id.valid())
      ++b_.record_counts[id.index()];
  }

  // --- payer side ---------------------------------------------------------

  bool parse_prefix(record_line& r) {
    auto s = r.text();
    size_t pos = 0;
    uint32_t values[3];
    for (int i = 0; i < 3; ++i) {
      size_t comma = s.find(',', pos);
      if (comma == std::string_view::npos)
        return false;
      auto field = s.substr(pos, comma - pos);
      auto rc = detail::parse_uint(field, values[i]);
      if (rc == number::bad || rc == number::empty)
        return false;
      if (rc == number::noncanonical)
        r.prefix_ok = false;
      pos = comma + 1;
    }
    r.data_kind = static_cast<uint8_t>(values[0] > 255 ? 255 : values[0]);
    r.row = values[1];
    r.branch = values[2];
    r.body_offset = static_cast<uint32_t>(pos);
    auto id_text = s.substr(pos, s.find(',', pos) - pos);
    if (!record_id::parse(id_text, r.id))
      return false;
    return true;
  }

  // Applies JY corrections and decodes one MN block.
  void flush_block() {
    if (block_.empty())
      return;
    in_block_ = false;
    auto block_line = block_.front().line;
    for (auto& r : block_) {
      count(r.id);
      // A canonical prefix is re-creatable: data kind 1/2, row = position, branch 0.
      if (r.data_kind < 1 || r.data_kind > 2 || r.branch != 0 || r.row != r.line - block_line + 1)
        r.prefix_ok = false;
    }
    // Index rows; collect JY edits.
    struct edit {
      uint8_t op;
      uint32_t target, after;
      size_t jy;
    };
    std::vector<edit> edits;
    for (size_t i = 0; i < block_.size(); ++i) {
      auto& r = block_[i];
      if (r.id != rec::JY)
        continue;
      split(r.body(), fields_);
      uint32_t op = 0, target = 0, after = 0;
      auto op_rc = detail::parse_uint(fields_[1], op);
      auto target_rc = detail::parse_uint(fields_[2], target);
      detail::parse_uint(fields_[6], after);
      if (op_rc != number::ok || op < 1 || op > 3 || target_rc == number::bad) {
        quarantine(r, 1, "JY 補正区分 must be 1, 2 or 3");
        r.id = {};
        continue;
      }
      edits.push_back({static_cast<uint8_t>(op), target, after, i});
    }
    // Hostile-input fix: rows are found through a sorted index. A scan of the
    // block per edit was quadratic: a block of 200,000 JY lines took hours.
    // Sorting (row, position) pairs keeps the first row of a number, as before.
    std::vector<std::pair<uint32_t, size_t>> row_index;
    row_index.reserve(block_.size());
    for (size_t i = 0; i < block_.size(); ++i)
      if (block_[i].branch == 0)
        row_index.emplace_back(block_[i].row, i);
    std::sort(row_index.begin(), row_index.end());
    auto find_row = [&](uint32_t row) -> long {
      if (row == 0)
        return -1;
      auto it = std::lower_bound(row_index.begin(), row_index.end(), std::make_pair(row, size_t{0}));
      return it != row_index.end() && it->first == row ? static_cast<long>(it->second) : -1;
    };
    // Decided order: the claimed records with the edits applied, then the
    // reviewer's records that no edit consumed.
    std::vector<long> replace(block_.size(), -2); // -2 keep, -1 delete, i = replaced by i
    std::vector<std::vector<size_t>> inserted(block_.size());
    std::vector<bool> consumed(block_.size(), false);
    std::vector<size_t> appended, unapplied;
    // Fuzz fix (accounted_lines() == lines): every row of the block must be
    // read exactly once, as a decoded row, a claimed row or a correction. So an
    // edit may only supersede a claimed row (data kind 1, or the MN) that no
    // earlier edit superseded or brought in, and may only bring in a row that
    // no edit used yet and that is neither a JY (read as a correction) nor the
    // MN (it must stay ahead of the RE). An edit that breaks this is reported
    // and recorded, but not applied.
    auto claimed_row = [&](long i) {
      if (i < 0)
        return false;
      auto k = static_cast<size_t>(i);
      auto& r = block_[k];
      return !consumed[k] && replace[k] == -2 && r.id.valid() && r.id != rec::JY
             && (r.data_kind == 1 || r.id == rec::MN);
    };
    auto free_row = [&](long i) {
      if (i < 0)
        return false;
      auto k = static_cast<size_t>(i);
      auto& r = block_[k];
      return !consumed[k] && replace[k] == -2 && r.id.valid() && r.id != rec::JY && r.id != rec::MN;
    };
    for (auto& e : edits) {
      long target = find_row(e.target);
      long after = find_row(e.after);
      auto& jy = block_[e.jy];
      consumed[e.jy] = true;
      if (!options_.apply_corrections) {
        // Read as claimed: the reviewer's replacement rows are kept verbatim.
        if (free_row(after) && block_[static_cast<size_t>(after)].data_kind != 1) {
          consumed[static_cast<size_t>(after)] = true;
          unapplied.push_back(static_cast<size_t>(after));
        }
        pending_corrections_.push_back({e.jy, target, e.op, e.target, e.after, false});
        continue;
      }
      bool applied = false;
      if (e.op == 1) {
        if (after < 0) {
          diagnose(severity::error, jy.line, rec::JY, 6, "JY 追加: 補正後行番号 names no row of the block");
        } else if (!free_row(after)) {
          diagnose(severity::error, jy.line, rec::JY, 6, "JY 追加: 補正後行番号 names a row that cannot be added (a JY, the MN or a row another JY uses)");
        } else {
          consumed[static_cast<size_t>(after)] = true;
          if (target >= 0)
            inserted[static_cast<size_t>(target)].push_back(static_cast<size_t>(after));
          else
            appended.push_back(static_cast<size_t>(after));
          applied = true;
        }
      } else if (target < 0) {
        diagnose(severity::error, jy.line, rec::JY, 2, "JY: 補正対象行番号 names no row of the block");
      } else if (!claimed_row(target)) {
        diagnose(severity::error, jy.line, rec::JY, 2, "JY: 補正対象行番号 names a row that cannot be corrected (not a claimed row, or one another JY uses)");
      } else if (e.op == 2) {
        if (after < 0) {
          diagnose(severity::error, jy.line, rec::JY, 6, "JY 修正: 補正後行番号 names no row of the block");
        } else if (after == target || !free_row(after)) {
          diagnose(severity::error, jy.line, rec::JY, 6, "JY 修正: 補正後行番号 names a row that cannot replace it (a JY, the MN or a row another JY uses)");
        } else {
          replace[static_cast<size_t>(target)] = after;
          consumed[static_cast<size_t>(after)] = true;
          applied = true;
        }
      } else {
        replace[static_cast<size_t>(target)] = -1;
        applied = true;
      }
      pending_corrections_.push_back({e.jy, target, e.op, e.target, e.after, applied});
    }
    std::vector<size_t> order;
    order.reserve(block_.size());
    for (size_t i = 0; i < block_.size(); ++i) {
      auto& r = block_[i];
      // Reviewer's records come after the claimed ones.
      bool claimed = !consumed[i] && r.id.valid() && (r.data_kind == 1 || r.id == rec::MN);
      if (claimed && replace[i] == -2)
        order.push_back(i);
      else if (claimed && replace[i] >= 0)
        order.push_back(static_cast<size_t>(replace[i]));
      // Fuzz fix: rows added after an anchor are read even when the anchor is
      // not (a JY, a reviewer row, a row moved by another edit); they were lost.
      for (auto k : inserted[i])
        order.push_back(k);
    }
    for (auto k : appended)
      order.push_back(k);
    for (size_t i = 0; i < block_.size(); ++i)
      if (!consumed[i] && block_[i].id.valid() && block_[i].data_kind != 1 && block_[i].id != rec::MN)
        order.push_back(i);
    // Decode in decided order.
    auto receipts_before = b_.receipts.size();
    mn_line_ = 0;
    for (auto i : order) {
      auto& r = block_[i];
      split(r.body(), fields_);
      decode(r);
    }
    close_receipt();
    bool receipt_in_block = b_.receipts.size() > receipts_before;
    if (mn_line_ != 0 && !receipt_in_block) {
      auto& mn = block_.front();
      quarantine(mn, -1, "receipt block without a readable RE record");
    }
    for (auto i : unapplied)
      keep_extra(block_[i], receipt_in_block ? static_cast<int32_t>(last_receipt_) : -1);
    record_corrections(receipt_in_block);
    block_.clear();
  }

  struct pending_correction {
    size_t jy;
    long target;
    uint8_t op;
    uint32_t target_row, after_row;
    bool applied; // the edit changed the decided receipt
  };

  void record_corrections(bool receipt_in_block) {
    auto& c = b_.corrections;
    // Corrections of a quarantined receipt still count their lines.
    auto receipt = receipt_in_block ? last_receipt_ : std::numeric_limits<uint32_t>::max();
    for (auto& pc : pending_corrections_) {
      auto& jy = block_[pc.jy];
      split(jy.body(), fields_);
      c.receipt.push_back(receipt);
      c.line.push_back(jy.line);
      c.op.push_back(pc.op);
      c.target_row.push_back(pc.target_row);
      c.after_row.push_back(pc.after_row);
      c.items.push_back(b_.text.add(fields_[4]));
      c.reasons.push_back(b_.text.add(fields_[5]));
      c.raw.push_back(b_.text.add(jy.text()));
      // Fuzz fix: only an applied 修正/削除 supersedes its target. A 修正 whose
      // 補正後行番号 named no row left the target in the receipt, yet counted
      // its line again as claimed.
      bool superseded = pc.applied && (pc.op == 2 || pc.op == 3);
      if (superseded) {
        auto& claimed = block_[static_cast<size_t>(pc.target)];
        c.target_record.push_back(claimed.id);
        c.claimed_line.push_back(claimed.line);
        c.claimed_raw.push_back(b_.text.add(claimed.text()));
        if (receipt_in_block)
          note_claimed_points(claimed);
      } else {
        c.target_record.push_back(pc.target >= 0 ? block_[static_cast<size_t>(pc.target)].id : record_id{});
        c.claimed_line.push_back(0);
        c.claimed_raw.push_back({});
      }
      if (receipt_in_block)
        ++b_.receipts.corrected[last_receipt_];
    }
    pending_corrections_.clear();
  }

  // A corrected HO/KO: keep what the institution claimed as the receipt's claimed points.
  void note_claimed_points(const record_line& claimed) {
    if (claimed.id != rec::HO && claimed.id != rec::KO)
      return;
    auto r = last_receipt_;
    auto& cov = b_.coverages;
    auto begin = b_.receipts.coverage_begin[r], end = b_.receipts.coverage_end[r];
    if (begin == end)
      return;
    // The first payer is the HO if there is one, else the first KO.
    bool has_ho = cov.record[begin] == rec::HO;
    if ((claimed.id == rec::HO) != has_ho)
      return;
    if (claimed.id == rec::KO) {
      // Only the first KO is the first payer: compare its 公費負担者番号.
      split(claimed.body(), fields_);
      if (fields_[1] != b_.view(cov.payer_no[begin]))
        return;
    } else {
      split(claimed.body(), fields_);
    }
    const auto& map = claimed.id == rec::HO ? current_layout().ho : current_layout().ko;
    uint32_t points = 0;
    if (detail::parse_uint(fields_[map.points], points) != number::bad)
      b_.receipts.claimed_points[r] = static_cast<int32_t>(points);
  }

  // --- decoding -------------------------------------------------------------

  void decode(const record_line& r) {
    auto id = r.id;
    if (id == rec::IR || id == rec::UK || id == rec::YK)
      return decode_institution(r);
    // Fuzz fix: MN heads a payer-side block. In an institution-side file it
    // was decoded as one too and, with no block to attach it to, its line was
    // lost; there it is read as any other record of another side.
    if (id == rec::MN && payer_)
      return decode_mn(r);
    if (id == rec::RE)
      return decode_receipt(r);
    if (id == rec::GO)
      return decode_go(r);
    if (!receipt_open_) {
      quarantine(r, -1, orphan_ ? std::string{"record "} + id.str() + " of a quarantined receipt"
                                : std::string{"record "} + id.str() + " outside a receipt (no RE before it)");
      return;
    }
    const auto& l = current_layout();
    if (id == rec::HO)
      return decode_coverage(r, l.ho, 0);
    if (id == rec::KO)
      return decode_coverage(r, l.ko, ++ko_seen_);
    if (id == rec::JD)
      return decode_jd(r);
    if (id == l.disease.id && l.disease.fields > 0)
      return decode_disease(r, l.disease);
    if (id == l.sy_extra.id && l.sy_extra.fields > 0)
      return decode_disease(r, l.sy_extra);
    if (auto item = l.item(id))
      return decode_item(r, *item);
    if (!is_known(id))
      diagnose(severity::warning, r.line, id, -1,
               [&] { return "unknown record " + id.str() + ": kept as read"; });
    else if (id == rec::KH || id == rec::NI)
      diagnose(severity::warning, r.line, id, -1,
               [&] { return "legacy record " + id.str() + ": kept as read"; });
    keep_extra(r, static_cast<int32_t>(current_receipt_));
  }

  void keep_extra(const record_line& r, int32_t receipt) {
    auto& x = b_.extras;
    x.receipt.push_back(receipt);
    x.line.push_back(r.line);
    x.record.push_back(r.id);
    x.raw.push_back(b_.text.add(r.text()));
  }

  // Flags every row starts with; raw if the record does not fit its map.
  uint8_t start_flags(const record_line& r, const field_map& map) {
    uint8_t flags = r.data_kind == 2 ? row_flag::reviewer : 0;
    // A field written where the map has no column: the bytes must be kept.
    bool untyped = (fields_.nonempty[0] & ~map.typed[0]) | (fields_.nonempty[1] & ~map.typed[1]);
    if (!r.prefix_ok || fields_.count != map.fields || untyped)
      flags |= row_flag::raw;
    if (fields_.count != map.fields && map.fields != 0)
      diagnose(severity::warning, r.line, r.id, -1,
               [&] {
                 return r.id.str() + " has " + std::to_string(fields_.count) + " fields, expected "
                        + std::to_string(map.fields);
               });
    return flags;
  }

  text_ref raw_if(uint8_t flags, const record_line& r) {
    return (flags & row_flag::raw) ? b_.text.add(r.text()) : text_ref{};
  }

  text_ref text_field(int i) { return b_.text.add(fields_[i]); }

  // Reads a numeric field; a bad number quarantines the record (returns false).
  bool int_field(const record_line& r, int i, int32_t& out, uint8_t& flags, const char* what) {
    out = no_value;
    if (i < 0)
      return true;
    uint32_t v = 0;
    switch (detail::parse_uint(fields_[i], v)) {
      case number::empty: return true;
      case number::noncanonical: flags |= row_flag::raw; [[fallthrough]];
      case number::ok: out = static_cast<int32_t>(v); return true;
      case number::bad: break;
    }
    quarantine(r, static_cast<int16_t>(i), std::string{what} + " is not a number");
    return false;
  }

  bool code_field(const record_line& r, int i, size_t width, uint32_t& out, uint8_t& flags,
                  const char* what) {
    out = 0;
    if (i < 0)
      return true;
    switch (detail::parse_code(fields_[i], width, out)) {
      case number::empty: return true;
      case number::noncanonical: flags |= row_flag::raw; return true;
      case number::ok:
        if (out == 0) // an all-zero code would be written back as empty
          flags |= row_flag::raw;
        return true;
      case number::bad: break;
    }
    quarantine(r, static_cast<int16_t>(i), std::string{what} + " is not a numeric code");
    return false;
  }

  void decode_institution(const record_line& r) {
    if (header_kind_ == receipt_kind::unknown) {
      // The first header fixes the kind: UK 歯科, YK 調剤, IR by its 点数表.
      auto table = fields_[3];
      header_kind_ = r.id == rec::UK || (r.id == rec::IR && table == "3") ? receipt_kind::dental
                     : r.id == rec::YK || (r.id == rec::IR && table == "4") ? receipt_kind::pharmacy
                                                                            : receipt_kind::medical;
    }
    const auto& lay = current_layout();
    // 歯科 repeats a shorter IR per receipt under its UK header.
    bool per_receipt = lay.kind == receipt_kind::dental && r.id == rec::IR;
    const institution_fields& map = per_receipt ? lay.institution : lay.header;
    close_receipt();
    auto flags = start_flags(r, map);
    auto& t = b_.institutions;
    t.line.push_back(r.line);
    t.record.push_back(r.id);
    uint32_t v = 0;
    auto small = [&](int i) -> uint8_t {
      if (i < 0)
        return 0;
      auto rc = detail::parse_uint(fields_[i], v);
      if (rc == number::noncanonical)
        flags |= row_flag::raw;
      if (rc == number::bad || v > 255 || (rc == number::ok && v == 0)) {
        flags |= row_flag::raw;
        if (rc == number::bad || v > 255)
          diagnose(severity::warning, r.line, r.id, static_cast<int16_t>(i), "not a small number");
        return 0;
      }
      return rc == number::empty ? 0 : static_cast<uint8_t>(v);
    };
    t.reviewer.push_back(small(map.reviewer));
    // 都道府県 is a fixed 2-digit code: `01` is canonical here.
    uint32_t pref = 0;
    auto pref_rc = detail::parse_code(fields_[map.prefecture], 2, pref);
    if ((pref_rc != number::ok && pref_rc != number::empty) || pref > 47 || (pref_rc == number::ok && pref == 0))
      flags |= row_flag::raw;
    t.prefecture.push_back(static_cast<uint8_t>(pref_rc == number::bad || pref > 99 ? 0 : pref));
    t.table.push_back(small(map.table));
    t.code.push_back(text_field(map.code));
    t.name.push_back(text_field(map.name));
    auto month_text = fields_[map.month];
    uint32_t month = parse_month(month_text);
    if (month == 0 && !month_text.empty())
      diagnose(severity::warning, r.line, r.id, map.month, "請求年月 is not a valid month");
    t.billing_month.push_back(month);
    t.billing_month_text.push_back(b_.text.add(month_text));
    t.volume.push_back(text_field(map.volume));
    t.phone.push_back(text_field(map.phone));
    t.flags.push_back(flags);
    t.raw.push_back(raw_if(flags, r));
    if (b_.billing_month == 0)
      b_.billing_month = month;
    current_institution_ = static_cast<uint32_t>(t.size() - 1);
  }

  void decode_mn(const record_line& r) {
    mn_line_ = r.line;
    mn_management_ = text_field(1);
    mn_address_ = text_field(2);
    mn_search_ = text_field(3);
    bool canonical = r.prefix_ok && r.data_kind == 2 && fields_.count == mn_fields
                     && fields_[4].empty() && fields_[5].empty() && fields_[6].empty();
    mn_raw_ = canonical ? text_ref{} : b_.text.add(r.text());
  }

  void decode_receipt(const record_line& r) {
    close_receipt();
    if (header_kind_ == receipt_kind::unknown)
      header_kind_ = receipt_kind::medical; // a file without a header is read as 医科
    const auto& map = current_layout().re;
    auto flags = start_flags(r, map);
    // レセプト種別 and 診療年月 decide what the receipt is: without them it is quarantined.
    uint32_t type = 0;
    if (detail::parse_code(fields_[map.type], 4, type) != number::ok) {
      quarantine(r, map.type, "レセプト種別 is not a 4-digit code");
      orphan_ = true;
      return;
    }
    auto month_text = fields_[map.month];
    uint32_t month = parse_month(month_text);
    if (month == 0) {
      quarantine(r, map.month, "診療年月 is not a valid month (YYYYMM or GYYMM)");
      orphan_ = true;
      return;
    }
    int32_t receipt_no = 0, ratio = 0, sex = 0;
    if (!int_field(r, map.receipt_no, receipt_no, flags, "レセプト番号")
        || !int_field(r, map.ratio, ratio, flags, "給付割合")) {
      orphan_ = true;
      return;
    }
    uint8_t sex_flags = 0;
    if (!int_field(r, map.sex, sex, sex_flags, "男女区分")) {
      orphan_ = true;
      return;
    }
    if (sex != 1 && sex != 2)
      diagnose(severity::warning, r.line, r.id, map.sex, "男女区分 is neither 1 nor 2");
    if (sex == 0 || receipt_no == 0) // stored 0 means empty: keep a written 0 raw
      flags |= row_flag::raw;
    flags |= sex_flags;

    auto& t = b_.receipts;
    // The MN of a block belongs to its first receipt.
    bool with_mn = payer_ && mn_line_ != 0;
    t.source_line.push_back(with_mn ? mn_line_ : r.line);
    t.re_line.push_back(r.line);
    t.institution.push_back(current_institution_);
    t.management_no.push_back(with_mn ? mn_management_ : text_ref{});
    t.mn_address.push_back(with_mn ? mn_address_ : text_ref{});
    t.mn_search_no.push_back(with_mn ? mn_search_ : text_ref{});
    t.mn_raw.push_back(with_mn ? mn_raw_ : text_ref{});
    mn_line_ = 0;
    t.receipt_no.push_back(static_cast<uint32_t>(receipt_no == no_value ? 0 : receipt_no));
    t.receipt_type.push_back(static_cast<uint16_t>(type));
    t.month.push_back(month);
    t.month_text.push_back(b_.text.add(month_text));
    t.name.push_back(text_field(map.name));
    t.sex.push_back(static_cast<uint8_t>(sex == no_value ? 0 : sex));
    auto birth_text = fields_[map.birth];
    auto birth = parse_date(birth_text);
    if (birth == 0)
      diagnose(severity::warning, r.line, r.id, map.birth, "生年月日 is not a valid date");
    t.birth_date.push_back(birth);
    t.birth_date_text.push_back(b_.text.add(birth_text));
    t.benefit_ratio.push_back(ratio);
    auto admission_text = fields_[map.admission];
    auto admission = admission_text.empty() ? 0 : parse_date(admission_text);
    if (!admission_text.empty() && admission == 0)
      diagnose(severity::warning, r.line, r.id, map.admission, "入院年月日 is not a valid date");
    t.admission_date.push_back(admission);
    t.admission_date_text.push_back(b_.text.add(admission_text));
    t.special_notes.push_back(text_field(map.notes));
    t.chart_no.push_back(text_field(map.chart));
    t.search_no.push_back(text_field(map.search));
    t.kana.push_back(text_field(map.kana));
    uint32_t ppref = 0, ptable = 0;
    if (map.prescriber_prefecture >= 0) {
      auto a = detail::parse_code(fields_[map.prescriber_prefecture], 2, ppref);
      auto c = detail::parse_code(fields_[map.prescriber_table], 1, ptable);
      if ((a != number::ok && a != number::empty) || (c != number::ok && c != number::empty)
          || (a == number::ok && ppref == 0) || (c == number::ok && ptable == 0))
        flags |= row_flag::raw;
    }
    t.prescriber_prefecture.push_back(static_cast<uint8_t>(ppref > 99 ? 0 : ppref));
    t.prescriber_table.push_back(static_cast<uint8_t>(ptable > 9 ? 0 : ptable));
    t.prescriber_code.push_back(text_field(map.prescriber_code));
    t.prescriber_name.push_back(text_field(map.prescriber_name));
    t.flags.push_back(flags);
    t.raw.push_back(raw_if(flags, r));
    t.points.push_back(no_value);
    t.claimed_points.push_back(no_value);
    t.line_points.push_back(0);
    t.care_days.push_back(0);
    t.corrected.push_back(0);
    t.coverage_begin.push_back(static_cast<uint32_t>(b_.coverages.size()));
    t.coverage_end.push_back(static_cast<uint32_t>(b_.coverages.size()));
    t.disease_begin.push_back(static_cast<uint32_t>(b_.diseases.size()));
    t.disease_end.push_back(static_cast<uint32_t>(b_.diseases.size()));
    t.item_begin.push_back(static_cast<uint32_t>(b_.items.size()));
    t.item_end.push_back(static_cast<uint32_t>(b_.items.size()));
    current_receipt_ = static_cast<uint32_t>(t.size() - 1);
    last_receipt_ = current_receipt_;
    receipt_open_ = true;
    orphan_ = false;
    ko_seen_ = 0;
    std::fill(std::begin(payer_row_), std::end(payer_row_), -1L);
    shikibetsu_ = 0;
    group_ = 0;
    group_days_ = no_value;
  }

  void decode_coverage(const record_line& r, const coverage_fields& map, unsigned position) {
    auto flags = start_flags(r, map);
    int32_t days, points, copay, meal_count, meal_amount;
    if (!int_field(r, map.days, days, flags, "実日数") || !int_field(r, map.points, points, flags, "合計点数")
        || !int_field(r, map.copay, copay, flags, "負担金額")
        || !int_field(r, map.meal_count, meal_count, flags, "食事療養 回数")
        || !int_field(r, map.meal_amount, meal_amount, flags, "食事療養 合計金額"))
      return;
    if (position > 4) {
      diagnose(severity::warning, r.line, r.id, -1, "more than four KO records in one receipt");
      position = 4;
    }
    auto& t = b_.coverages;
    auto payer = fields_[map.payer_no];
    auto member = fields_[map.member_no];
    // 法別番号: the first two digits of an 8-digit number (a 6-digit 国保 number has none).
    uint8_t law = 0;
    auto digits = payer;
    while (!digits.empty() && digits.front() == ' ')
      digits.remove_prefix(1);
    if (digits.size() == 8 && digits[0] >= '0' && digits[0] <= '9' && digits[1] >= '0' && digits[1] <= '9')
      law = static_cast<uint8_t>((digits[0] - '0') * 10 + (digits[1] - '0'));
    uint8_t check = 0;
    if (check_digit_ok(payer))
      check |= 1;
    else
      diagnose(severity::warning, r.line, r.id, map.payer_no,
               r.id == rec::HO ? "保険者番号 check digit does not match"
                               : "公費負担者番号 check digit does not match");
    if (r.id == rec::KO) {
      if (member.empty() || check_digit_ok(member))
        check |= 2;
      else
        diagnose(severity::warning, r.line, r.id, map.member_no, "公費受給者番号 check digit does not match");
    } else {
      check |= 2;
    }
    t.receipt.push_back(current_receipt_);
    t.line.push_back(r.line);
    t.record.push_back(r.id);
    t.flags.push_back(flags);
    t.position.push_back(static_cast<uint8_t>(position));
    t.payer_no.push_back(b_.text.add(payer));
    t.member_symbol.push_back(text_field(map.symbol));
    t.member_no.push_back(b_.text.add(member));
    t.law_no.push_back(law);
    t.check_digit_ok.push_back(check);
    t.days.push_back(days);
    t.points.push_back(points);
    t.copay.push_back(copay);
    t.meal_count.push_back(meal_count);
    t.meal_amount.push_back(meal_amount);
    t.visit_days.push_back(0);
    t.other_days.push_back(0);
    t.mismatch_days.push_back(0);
    t.jd_line.push_back(0);
    t.raw.push_back(raw_if(flags, r));
    t.jd_raw.push_back({});
    if (payer_row_[position] < 0) // the first HO (0) or the first KO of a position (1..4)
      payer_row_[position] = static_cast<long>(t.size() - 1);
    b_.receipts.coverage_end[current_receipt_] = static_cast<uint32_t>(t.size());
  }

  // JD: the day flags of one payer, attached to its HO/KO row.
  void decode_jd(const record_line& r) {
    uint32_t kind = 0;
    if (detail::parse_uint(fields_[1], kind) != number::ok || kind < 1 || kind > 5) {
      quarantine(r, 1, "JD 負担者種別 must be 1 to 5");
      return;
    }
    auto& cov = b_.coverages;
    // Hostile-input fix: the payer is looked up, not searched for. A scan of
    // the receipt's HO/KO rows per JD was quadratic (many KO, many JD 1).
    long row = payer_row_[kind - 1];
    if (row < 0 || cov.jd_line[static_cast<size_t>(row)] != 0) {
      diagnose(severity::warning, r.line, r.id, 1, "JD names a payer the receipt does not have");
      keep_extra(r, static_cast<int32_t>(current_receipt_));
      return;
    }
    bool canonical = r.prefix_ok && fields_.count == jd_fields;
    uint32_t visit = 0, other = 0, mismatch = 0;
    for (int d = 0; d < 31; ++d) {
      auto f = fields_[2 + d];
      if (f.empty())
        continue;
      uint32_t bit = 1u << d;
      if (f == "1")
        visit |= bit;
      else if (f == "2")
        other |= bit;
      else if (f == "9")
        mismatch |= bit;
      else
        canonical = false;
    }
    auto i = static_cast<size_t>(row);
    cov.visit_days[i] = visit;
    cov.other_days[i] = other;
    cov.mismatch_days[i] = mismatch;
    cov.jd_line[i] = r.line;
    if (r.data_kind == 2)
      canonical = false; // the writer renders JD with the payer row's data kind
    cov.jd_raw[i] = canonical ? text_ref{} : b_.text.add(r.text());
  }

  void decode_disease(const record_line& r, const disease_fields& map) {
    auto flags = start_flags(r, map);
    uint32_t code = 0;
    if (!code_field(r, map.code, 7, code, flags, "傷病名コード"))
      return;
    auto start_text = fields_[map.start];
    auto start = start_text.empty() ? 0 : parse_date(start_text);
    if (!start_text.empty() && start == 0)
      diagnose(severity::warning, r.line, r.id, map.start, "診療開始日 is not a valid date");
    int32_t outcome = 0, main = 0;
    if (!int_field(r, map.outcome, outcome, flags, "転帰区分"))
      return;
    if (outcome == 0)
      flags |= row_flag::raw;
    auto main_text = fields_[map.main];
    if (!main_text.empty() && main_text != "01")
      flags |= row_flag::raw;
    main = main_text == "01" ? 1 : 0;
    auto& t = b_.diseases;
    t.receipt.push_back(current_receipt_);
    t.line.push_back(r.line);
    t.record.push_back(r.id);
    t.flags.push_back(flags);
    t.code.push_back(code);
    t.start_date.push_back(start);
    t.start_date_text.push_back(b_.text.add(start_text));
    t.outcome.push_back(static_cast<uint8_t>(outcome == no_value ? 0 : outcome));
    t.modifiers.push_back(text_field(map.modifiers));
    t.name.push_back(text_field(map.name));
    t.main.push_back(static_cast<uint8_t>(main));
    t.comment.push_back(text_field(map.comment));
    t.raw.push_back(raw_if(flags, r));
    b_.receipts.disease_end[current_receipt_] = static_cast<uint32_t>(t.size());
  }

  void decode_item(const record_line& r, const item_fields& map) {
    auto flags = start_flags(r, map);
    // 診療識別: written on the first record of a block, carried forward after.
    uint8_t shikibetsu = shikibetsu_;
    if (map.shikibetsu >= 0) {
      auto s = fields_[map.shikibetsu];
      if (!s.empty()) {
        uint32_t v = 0;
        auto rc = detail::parse_code(s, map.id == rec::SH ? 1 : 2, v);
        if (rc == number::bad || v > 99) {
          quarantine(r, map.shikibetsu, "診療識別 is not a 2-digit code");
          return;
        }
        if (rc == number::noncanonical)
          flags |= row_flag::raw;
        shikibetsu = static_cast<uint8_t>(v);
        flags |= row_flag::shikibetsu_written;
      }
    }
    char burden = 0;
    if (map.burden >= 0) {
      auto s = fields_[map.burden];
      if (s.size() == 1)
        burden = s[0];
      else if (!s.empty())
        flags |= row_flag::raw;
    }
    uint32_t code = 0;
    if (!code_field(r, map.code, static_cast<size_t>(map.code_width), code, flags, "code"))
      return;
    int64_t quantity = no_quantity;
    if (map.quantity >= 0) {
      switch (detail::parse_decimal(fields_[map.quantity], quantity)) {
        case number::empty: quantity = no_quantity; break;
        case number::noncanonical: flags |= row_flag::raw; break;
        case number::ok: break;
        case number::bad:
          quarantine(r, map.quantity, "使用量 / 数量データ is not a decimal number");
          return;
      }
    }
    int32_t points, count;
    if (!int_field(r, map.points, points, flags, "点数") || !int_field(r, map.count, count, flags, "回数"))
      return;
    // Day columns: a mask plus one count per set day.
    uint32_t mask = 0;
    auto day_begin = static_cast<uint32_t>(b_.day_counts.size());
    int64_t day_sum = 0;
    if (map.first_day >= 0) {
      // Walk only the written day columns.
      for (auto written = fields_.nonempty_bits(map.first_day, 31); written; written &= written - 1) {
        int d = __builtin_ctz(written);
        int i = map.first_day + d;
        auto f = fields_[i];
        uint32_t v = 0;
        auto rc = detail::parse_uint(f, v);
        if (rc == number::bad || v > 65535) {
          b_.day_counts.resize(day_begin);
          quarantine(r, static_cast<int16_t>(i), "day column is not a count");
          return;
        }
        if (rc == number::noncanonical)
          flags |= row_flag::raw;
        mask |= 1u << d;
        b_.day_counts.push_back(static_cast<uint16_t>(v));
        day_sum += v;
      }
      if (mask != 0 && count != no_value && day_sum != count)
        diagnose(severity::warning, r.line, r.id, map.count,
                 [&] {
                   return "回数 " + std::to_string(count) + " differs from the sum of the day columns "
                          + std::to_string(day_sum);
                 });
    }
    if (map.date >= 0) {
      // 調剤年月日: its day is the day of care.
      auto date = parse_date(fields_[map.date]);
      if (date != 0 && date / 100 == b_.receipts.month[current_receipt_])
        mask |= 1u << (date % 100 - 1);
      flags |= row_flag::raw; // the date itself lives in the raw record
    }
    // 調剤: SH opens a prescription (処方No), CZ gives its days.
    uint8_t group = 0;
    if (map.group >= 0) {
      uint32_t g = 0;
      detail::parse_uint(fields_[map.group], g);
      group_ = static_cast<uint8_t>(g > 255 ? 255 : g);
      group_days_ = no_value;
    }
    if (map.id == rec::CZ)
      group_days_ = count;
    if (current_layout().kind == receipt_kind::pharmacy)
      group = group_;
    if (map.id == rec::IY && current_layout().kind == receipt_kind::pharmacy)
      count = group_days_; // days supplied: the CZ 調剤数量 of this prescription

    auto& t = b_.items;
    auto row = static_cast<uint32_t>(t.size());
    t.receipt.push_back(current_receipt_);
    t.line.push_back(r.line);
    t.record.push_back(r.id);
    t.flags.push_back(flags);
    t.shikibetsu.push_back(shikibetsu);
    t.burden.push_back(burden);
    t.code.push_back(code);
    t.quantity.push_back(quantity);
    t.points.push_back(points);
    t.count.push_back(count);
    t.day_mask.push_back(mask);
    t.day_begin.push_back(day_begin);
    t.group.push_back(group);
    t.text.push_back(text_field(map.text));
    t.raw.push_back({});
    if (map.first_comment >= 0) {
      for (int c = 0; c < 3; ++c) {
        auto code_text = fields_[map.first_comment + 2 * c];
        auto text = fields_[map.first_comment + 2 * c + 1];
        if (code_text.empty() && text.empty())
          continue;
        uint32_t comment_code = 0;
        if (detail::parse_code(code_text, 9, comment_code) != number::ok)
          flags |= row_flag::raw;
        auto& cm = b_.item_comments;
        cm.item.push_back(row);
        cm.slot.push_back(static_cast<uint8_t>(c + 1));
        cm.code.push_back(comment_code);
        cm.text.push_back(b_.text.add(text));
      }
    }
    t.flags.back() = flags;
    t.raw.back() = raw_if(flags, r);
    shikibetsu_ = shikibetsu;
    b_.receipts.item_end[current_receipt_] = row + 1;
  }

  void decode_go(const record_line& r) {
    close_receipt();
    if (b_.go.present) {
      diagnose(severity::warning, r.line, r.id, -1, "second GO record: kept as read");
      keep_extra(r, -1);
      return;
    }
    uint32_t claims = 0, points = 0;
    auto c_rc = detail::parse_uint(fields_[1], claims);
    auto p_rc = fields_[2].size() > 9 ? number::bad : detail::parse_uint(fields_[2], points);
    if (c_rc == number::bad || p_rc == number::bad) {
      quarantine(r, c_rc == number::bad ? 1 : 2, "GO totals are not numbers");
      return;
    }
    b_.go.present = true;
    b_.go.line = r.line;
    b_.go.claims = claims;
    b_.go.points = points;
    b_.go.volume = text_field(3);
    bool canonical = fields_.count == go_fields && c_rc == number::ok && p_rc == number::ok;
    b_.go.raw = canonical ? text_ref{} : b_.text.add(r.text());
  }

  // Ends the open receipt: derived columns and cross-checks.
  void close_receipt() {
    orphan_ = false;
    if (!receipt_open_)
      return;
    receipt_open_ = false;
    auto i = current_receipt_;
    auto& t = b_.receipts;
    auto& cov = b_.coverages;
    auto begin = t.coverage_begin[i], end = t.coverage_end[i];
    int32_t points = no_value;
    for (auto c = begin; c < end; ++c)
      if (cov.record[c] == rec::HO) {
        points = cov.points[c];
        break;
      }
    if (points == no_value && begin < end)
      points = cov.points[begin];
    t.points[i] = points;
    t.claimed_points[i] = points;
    uint32_t days = 0;
    for (auto c = begin; c < end; ++c)
      days |= cov.visit_days[c];
    auto kind_now = current_layout().kind;
    // Units charged to the first payer (HO, else the first KO) make its 合計点数.
    bool has_ho = begin < end && cov.record[begin] == rec::HO;
    uint8_t first_payer = has_ho ? 1 : 2;
    int64_t line_points = 0;
    auto& items = b_.items;
    for (auto k = t.item_begin[i]; k < t.item_end[i]; ++k) {
      days |= items.day_mask[k];
      if (kind_now == receipt_kind::pharmacy || items.points[k] == no_value || items.shikibetsu[k] == 97)
        continue;
      auto payers = burden_payers(items.burden[k]);
      if (payers != 0 && !(payers & first_payer))
        continue;
      auto n = items.count[k] == no_value ? 1 : items.count[k];
      line_points += int64_t{items.points[k]} * n;
    }
    t.care_days[i] = days;
    t.line_points[i] = line_points;
    // 医科 and 歯科 totals are the sum of their units; DPC adds 包括 points, 調剤 its own rules.
    bool summable = kind_now == receipt_kind::medical || kind_now == receipt_kind::dental;
    if (summable && points != no_value && line_points != points)
      diagnose(severity::warning, t.re_line[i], rec::RE, -1,
               [&] {
                 return "Σ 点数×回数 of the 摘要 is " + std::to_string(line_points) + " but 合計点数 is "
                        + std::to_string(points);
               });
    if (begin == end)
      diagnose(severity::warning, t.re_line[i], rec::RE, -1, "receipt without HO or KO");
  }

  void check_go() {
    if (!b_.go.present)
      return;
    int64_t claims = 0, points = 0;
    for (size_t i = 0; i < b_.receipts.size(); ++i) {
      claims += b_.receipts.coverage_end[i] - b_.receipts.coverage_begin[i];
      if (b_.receipts.points[i] != no_value)
        points += b_.receipts.points[i];
    }
    if (claims != b_.go.claims)
      diagnose(severity::warning, b_.go.line, rec::GO, 1,
               "GO 総件数 " + std::to_string(b_.go.claims) + " but the receipts make "
                 + std::to_string(claims));
    if (points != b_.go.points)
      diagnose(severity::warning, b_.go.line, rec::GO, 2,
               "GO 総合計点数 " + std::to_string(b_.go.points) + " but the receipts make "
                 + std::to_string(points));
  }

  void quarantine(const record_line& r, int field, std::string reason) {
    // Records after a quarantined RE have no receipt: say so once per record.
    auto& q = b_.quarantine;
    q.line.push_back(r.line);
    q.record.push_back(r.id);
    q.field.push_back(static_cast<int16_t>(field));
    // Fuzz fix: the whole line is kept (it is at most max_line_bytes, like
    // any raw row). A cut excerpt could read back as a record when written:
    // an RE quarantined for a field past the cut came back as a receipt.
    // Only over-long lines (quarantine_long_line) keep an excerpt.
    q.raw.push_back(b_.text.add(r.text()));
    diagnose(severity::error, r.line, r.id, field, reason);
    q.reason.push_back(std::move(reason));
    if (r.id == rec::RE)
      receipt_open_ = false;
  }

  // `message` is text or a callable making it: past the cap nothing is built.
  template <class Message>
  void diagnose(severity level, uint32_t line, record_id id, int field, Message&& message) {
    if (b_.diagnostics.size() >= cfg::max_diagnostics) {
      ++b_.diagnostics_suppressed;
      return;
    }
    std::string text;
    if constexpr (std::is_invocable_v<Message>)
      text = message();
    else
      text = std::string{message};
    b_.diagnostics.push_back({level, line, id, static_cast<int16_t>(field), std::move(text)});
  }

  receipt_batch& b_;
  read_options options_;
  split_fields fields_;
  bool payer_ = false;
  bool dpc_ = false;
  receipt_kind header_kind_ = receipt_kind::unknown;
  uint32_t current_institution_ = 0;
  uint32_t current_receipt_ = 0;
  uint32_t last_receipt_ = 0;
  bool receipt_open_ = false;
  bool orphan_ = false;
  unsigned ko_seen_ = 0;
  long payer_row_[5] = {-1, -1, -1, -1, -1}; // open receipt: coverage row of each JD 負担者種別
  uint8_t shikibetsu_ = 0;
  uint8_t group_ = 0;
  int32_t group_days_ = no_value;
  // payer side
  bool in_block_ = false;
  std::vector<record_line> block_;
  std::vector<pending_correction> pending_corrections_;
  uint32_t mn_line_ = 0;
  text_ref mn_management_, mn_address_, mn_search_, mn_raw_;
};

// Feeds complete lines of `data` to the builder; returns bytes consumed.
// Lines are cut at LF; a CR before it and a final 0x1A are dropped.
size_t feed_lines(batch_builder& builder, receipt_batch& batch, const char* data, size_t size,
                  bool at_eof, uint32_t& line_no) {
  const char* p = data;
  const char* end = data + size;
  while (p < end) {
    auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* line_end = nl ? nl : end;
    if (!nl && !at_eof)
      break;
    ++line_no;
    size_t n = static_cast<size_t>(line_end - p);
    if (n > 0 && p[n - 1] == '\r')
      --n;
    if (!nl) {
      // The last line: a 0x1A end marker may follow the last record's newline or stand at its end.
      if (n > 0 && p[n - 1] == '\x1A') {
        batch.eof_marker = true;
        --n;
      }
      if (n > 0)
        batch.final_newline = false;
    }
    if (n > cfg::max_line_bytes)
      builder.quarantine_long_line({p, n}, line_no);
    else if (n == 1 && p[0] == '\x1A')
      batch.eof_marker = true; // a marker line before the end: nothing to read
    else if (n > 0)
      builder.line(p, n, line_no);
    p = nl ? nl + 1 : end;
  }
  return static_cast<size_t>(p - data);
}

} // namespace

receipt_batch read_bytes(std::string_view bytes, std::string source, const read_options& options) {
  receipt_batch batch;
  batch.source = std::move(source);
  batch.bytes = bytes.size();
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF")
    bytes.remove_prefix(3);
  batch_builder builder{batch, options};
  builder.reserve(bytes.size());
  builder.probe(bytes);
  uint32_t line_no = 0;
  feed_lines(builder, batch, bytes.data(), bytes.size(), true, line_no);
  builder.finish();
  return batch;
}

expected<receipt_batch> read_file(const std::filesystem::path& path, const read_options& options) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file)
    return make_error(ec::io_error, path.string() + ": cannot open: " + std::strerror(errno));
  // The hash follows the bytes as they are read: one pass over the file.
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> hash{options.sha256 ? EVP_MD_CTX_new() : nullptr,
                                                               &EVP_MD_CTX_free};
  if (hash)
    EVP_DigestInit_ex(hash.get(), EVP_sha256(), nullptr);
  receipt_batch batch;
  batch.source = path.string();
  batch_builder builder{batch, options};
  std::error_code size_error;
  auto size = std::filesystem::file_size(path, size_error);
  if (!size_error)
    builder.reserve(size);
  // A small file gets a small buffer: most deliveries are thousands of
  // institution files of a few dozen KB, and zeroing 8 MiB for each costs more
  // than reading it.
  std::string buffer;
  buffer.resize(size_error ? cfg::chunk_bytes : static_cast<size_t>(std::min<uint64_t>(cfg::chunk_bytes, size + 1)));
  size_t begin = 0, end = 0;
  bool first = true, eof = false, skipping = false;
  uint32_t line_no = 0;
  char tail[2] = {0, 0}; // the file's last two bytes, for an over-long last line
  while (!eof) {
    // Make room: keep the pending payer block and the unfinished line.
    const char* keep = builder.keep_from();
    size_t keep_at = keep ? static_cast<size_t>(keep - buffer.data()) : begin;
    if (keep_at > 0) {
      const char* old_base = buffer.data();
      std::memmove(buffer.data(), buffer.data() + keep_at, end - keep_at);
      builder.rebase(old_base + keep_at, buffer.data());
      begin -= keep_at;
      end -= keep_at;
    }
    if (end == buffer.size()) {
      if (builder.pending_block_bytes(buffer.data() + begin) > cfg::max_block_bytes) {
        builder.force_flush(line_no);
        continue;
      }
      buffer.resize(buffer.size() * 2);
    }
    size_t got = std::fread(buffer.data() + end, 1, buffer.size() - end, file);
    if (got == 0) {
      if (std::ferror(file)) {
        std::fclose(file);
        return make_error(ec::io_error, path.string() + ": read error after line "
                                          + std::to_string(line_no));
      }
      eof = true;
    }
    batch.bytes += got;
    if (hash && got > 0)
      EVP_DigestUpdate(hash.get(), buffer.data() + end, got);
    end += got;
    for (size_t i = got > 2 ? got - 2 : 0; i < got; ++i) {
      tail[0] = tail[1];
      tail[1] = buffer[end - got + i];
    }
    if (first && (end > 0 || eof)) {
      first = false;
      size_t bom = std::string_view{buffer.data(), end}.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
      builder.probe({buffer.data() + bom, end - bom});
      begin = bom;
    }
    if (skipping) {
      // Inside an over-long line: drop bytes up to its end.
      auto* nl = static_cast<const char*>(std::memchr(buffer.data() + begin, '\n', end - begin));
      if (!nl) {
        begin = end;
        if (eof) {
          // Hostile-input fix: the over-long line was the last, unterminated
          // one. Record it as read_bytes does: no final newline, and an end
          // marker if the file ends in 0x1A (or 0x1A CR).
          batch.final_newline = false;
          batch.eof_marker = tail[1] == '\x1A' || (tail[1] == '\r' && tail[0] == '\x1A');
        }
        continue;
      }
      begin = static_cast<size_t>(nl + 1 - buffer.data());
      skipping = false;
    }
    begin += feed_lines(builder, batch, buffer.data() + begin, end - begin, eof, line_no);
    // An unfinished line longer than the limit cannot be a record.
    if (!eof && end - begin > cfg::max_line_bytes) {
      ++line_no;
      builder.quarantine_long_line({buffer.data() + begin, end - begin}, line_no);
      begin = end;
      skipping = true;
    }
  }
  std::fclose(file);
  builder.finish();
  if (hash) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(hash.get(), digest, &len);
    static constexpr char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < len; ++i) {
      batch.sha256 += hex[digest[i] >> 4];
      batch.sha256 += hex[digest[i] & 15];
    }
  }
  return batch;
}

} // namespace receptor::uke
