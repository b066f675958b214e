#include "receptor/master/master_set.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <optional>
#include <system_error>
#include <tuple>

#include "receptor/encoding.hpp"
#include "receptor/master/quoted_csv.hpp"

namespace receptor::master {

namespace {

namespace fs = std::filesystem;
using row_fields = std::vector<std::string_view>;

/// 傷病名コード of 未コード化傷病名: the SY record's free text is the name.
constexpr uint32_t uncoded_disease = 999;

/// What a master file's name says about it: `y_ALL20240321.csv`.
struct file_name_info {
  char kind = 0;          // y, s, t, c, b or z
  bool full_set = false;  // `_ALL` in the name
  uint64_t date = 0;      // the name's digits, for ordering change files
};

std::optional<file_name_info> parse_file_name(std::string_view name) {
  if (name.size() < 2 || name[1] != '_' || std::string_view{"ystcbz"}.find(name[0]) == std::string_view::npos)
    return std::nullopt;
  file_name_info info;
  info.kind = name[0];
  info.full_set = name.find("_ALL") != std::string_view::npos;
  size_t digits = 0;
  for (char c : name)
    if (c >= '0' && c <= '9' && digits++ < 18)  // 18 digits always fit in uint64
      info.date = info.date * 10 + static_cast<uint64_t>(c - '0');
  return info;
}

bool has_csv_extension(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".csv";
}

expected<std::string> read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return make_error(ec::io_error, file.string() + ": cannot open");
  std::string bytes;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0)
    return make_error(ec::io_error, file.string() + ": cannot read");
  bytes.resize(static_cast<size_t>(size));
  in.seekg(0, std::ios::beg);
  if (!in.read(bytes.data(), size))
    return make_error(ec::io_error, file.string() + ": cannot read");
  return bytes;
}

/// The 1-based 項番 `col` of a row; "" past the row's end (older layouts
/// lack the newest columns).
std::string_view column(const row_fields& f, size_t col) {
  return col <= f.size() ? f[col - 1] : std::string_view{};
}

/// Parses an unsigned decimal that fills all of `s`.
template <class T>
bool parse_uint(std::string_view s, T& out) {
  if (s.empty())
    return false;
  auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), out);
  return err == std::errc{} && end == s.data() + s.size();
}

template <class T>
T uint_or_zero(std::string_view s) {
  T value = 0;
  return parse_uint(s, value) ? value : 0;
}

double decimal_or_zero(std::string_view s) {
  double value = 0;
  auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), value, std::chars_format::fixed);
  return err == std::errc{} && end == s.data() + s.size() ? value : 0;
}

/// Master text is CP932; everything the tables hold is UTF-8.
std::string text(std::string_view cp932) {
  return cp932_to_utf8(cp932);
}

/// Applies one row to a table: removes the code (抹消) or adds/replaces it.
/// Returns false if the row is unusable: too few columns or a bad code.
template <class Code, class Record, class Build>
bool apply_row(std::unordered_map<Code, Record>& table, const row_fields& f, size_t min_columns,
               size_t code_column, bool remove, Build build) {
  Code code = 0;
  if (f.size() < min_columns || !parse_uint(column(f, code_column), code))
    return false;
  if (remove) {
    table.erase(code);
  } else {
    Record record = build(f);
    record.code = code;
    table.insert_or_assign(code, std::move(record));
  }
  return true;
}

drug build_drug(const row_fields& f) {
  drug d;
  d.name = text(column(f, 5));
  d.unit = text(column(f, 10));
  d.price = decimal_or_zero(column(f, 12));
  d.narcotic_class = uint_or_zero<uint8_t>(column(f, 14));
  d.generic = column(f, 17) == "1";
  d.dosage_form = uint_or_zero<uint8_t>(column(f, 28));
  d.abolished_on = uint_or_zero<uint32_t>(column(f, 31));
  d.price_list_code = std::string{column(f, 32)};
  d.efficacy_class = uint_or_zero<uint16_t>(std::string_view{d.price_list_code}.substr(0, 3));
  // Columns 37 and 38 exist from the R06 layout (40 columns) on.
  d.generic_name_code = std::string{column(f, 37)};
  d.generic_name = text(column(f, 38));
  return d;
}

procedure build_procedure(const row_fields& f) {
  procedure p;
  p.name = text(column(f, 5));
  p.point_kind = uint_or_zero<uint8_t>(column(f, 11));
  p.points = decimal_or_zero(column(f, 12));
  p.abolished_on = uint_or_zero<uint32_t>(column(f, 88));
  return p;
}

material build_material(const row_fields& f) {
  material m;
  m.name = text(column(f, 5));
  m.unit = text(column(f, 10));
  m.price = decimal_or_zero(column(f, 12));
  m.abolished_on = uint_or_zero<uint32_t>(column(f, 30));
  return m;
}

comment build_comment(const row_fields& f) {
  comment c;
  c.pattern = uint_or_zero<uint8_t>(column(f, 4));
  c.text = text(column(f, 7));
  return c;
}

disease build_disease(const row_fields& f) {
  disease d;
  d.name = text(column(f, 6));
  // Real files leave ICD-10-1 (14) empty and fill ICD-10 (2013) -1 (16).
  std::string_view icd = column(f, 16);
  d.icd10 = std::string{icd.empty() ? column(f, 14) : icd};
  d.abolished_on = uint_or_zero<uint32_t>(column(f, 24));
  return d;
}

modifier build_modifier(const row_fields& f) {
  modifier m;
  m.name = text(column(f, 7));
  return m;
}

} // namespace

expected<master_set> master_set::load(const fs::path& dir) {
  struct found_file {
    file_name_info info;
    fs::path path;
  };
  std::vector<found_file> found;
  std::error_code fs_error;
  for (fs::directory_iterator it{dir, fs_error}, end; !fs_error && it != end; it.increment(fs_error)) {
    std::error_code type_error;
    if (!it->is_regular_file(type_error) || !has_csv_extension(it->path()))
      continue;
    if (auto info = parse_file_name(it->path().filename().string()))
      found.push_back({*info, it->path()});
  }
  if (fs_error)
    return make_error(ec::io_error, dir.string() + ": " + fs_error.message());

  // Full sets first, then change files oldest to newest.
  std::sort(found.begin(), found.end(), [](const found_file& a, const found_file& b) {
    return std::make_tuple(!a.info.full_set, a.info.date, a.path.filename())
         < std::make_tuple(!b.info.full_set, b.info.date, b.path.filename());
  });

  master_set set;
  for (const found_file& file : found)
    if (error err = set.load_file(file.path))
      return err;
  return set;
}

error master_set::load_file(const fs::path& file) {
  const auto info = parse_file_name(file.filename().string());
  if (!info)
    return make_error(ec::invalid_argument,
                      file.string() + ": not a master file name (y_, s_, t_, c_, b_ or z_ expected)");
  auto bytes = read_file(file);
  if (!bytes)
    return bytes.error_value();

  const bool full_set = info->full_set;
  if (full_set) {
    // A full set is the whole table: codes it lacks are gone.
    switch (info->kind) {
      case 'y': drugs_.clear(); break;
      case 's': procedures_.clear(); break;
      case 't': materials_.clear(); break;
      case 'c': comments_.clear(); break;
      case 'b': diseases_.clear(); break;
      case 'z': modifiers_.clear(); break;
    }
  }

  // Parsing works on the CP932 bytes: no CP932 trail byte is below 0x40, so
  // quotes, commas and line breaks are never part of a double-byte character.
  error status = read_quoted_csv(*bytes, [&](size_t, const row_fields& f) {
    const bool remove = !full_set && column(f, 1) == "1";  // 変更区分 1 = 抹消
    bool ok = false;
    // Minimum columns: the last one each kind reads, except y, where 35
    // (the R04 layout) suffices and 37–38 are read only if present.
    switch (info->kind) {
      case 'y': ok = apply_row(drugs_, f, 35, 3, remove, build_drug); break;
      case 's': ok = apply_row(procedures_, f, 88, 3, remove, build_procedure); break;
      case 't': ok = apply_row(materials_, f, 30, 3, remove, build_material); break;
      case 'c': ok = apply_row(comments_, f, 23, 23, remove, build_comment); break;
      case 'b': ok = apply_row(diseases_, f, 24, 3, remove, build_disease); break;
      case 'z': ok = apply_row(modifiers_, f, 7, 3, remove, build_modifier); break;
    }
    if (!ok)
      ++skipped_rows_;
  });
  if (info->kind == 'y') {
    // Rebuilt rather than patched row by row: a change file may flip a
    // drug's 後発品 flag or 一般名コード, and 20k drugs take well under 1 ms.
    generics_by_name_code_.clear();
    for (const auto& [code, d] : drugs_)
      if (d.generic && !d.generic_name_code.empty())
        ++generics_by_name_code_[d.generic_name_code];
  }
  if (status)
    return make_error(status.code, file.string() + ": " + status.message);
  files_.push_back(file.string());
  return {};
}

const drug* master_set::find_drug(uint32_t code) const {
  auto it = drugs_.find(code);
  return it == drugs_.end() ? nullptr : &it->second;
}

const procedure* master_set::find_procedure(uint32_t code) const {
  auto it = procedures_.find(code);
  return it == procedures_.end() ? nullptr : &it->second;
}

const material* master_set::find_material(uint32_t code) const {
  auto it = materials_.find(code);
  return it == materials_.end() ? nullptr : &it->second;
}

const comment* master_set::find_comment(uint32_t code) const {
  auto it = comments_.find(code);
  return it == comments_.end() ? nullptr : &it->second;
}

const disease* master_set::find_disease(uint32_t code) const {
  auto it = diseases_.find(code);
  return it == diseases_.end() ? nullptr : &it->second;
}

const modifier* master_set::find_modifier(uint16_t code) const {
  auto it = modifiers_.find(code);
  return it == modifiers_.end() ? nullptr : &it->second;
}

bool master_set::has_generic(std::string_view generic_name_code) const {
  if (generic_name_code.empty())
    return false;
  return generics_by_name_code_.count(std::string{generic_name_code}) > 0;
}

std::string master_set::disease_name(uint32_t code, std::string_view modifiers,
                                     std::string_view free_text) const {
  std::string prefixes;
  std::string suffixes;
  for (size_t i = 0; i + 4 <= modifiers.size(); i += 4) {
    uint16_t modifier_code = 0;
    if (!parse_uint(modifiers.substr(i, 4), modifier_code))
      continue;
    if (const modifier* m = find_modifier(modifier_code))
      (m->suffix() ? suffixes : prefixes) += m->name;
  }
  const disease* d = find_disease(code);
  // The master's own 0000999 entry only says "未コード化傷病名"; the free text
  // is the real name, so it wins whenever there is one.
  std::string_view base = d ? std::string_view{d->name} : std::string_view{};
  if ((code == uncoded_disease || !d) && !free_text.empty())
    base = free_text;
  return prefixes.append(base).append(suffixes);
}

std::string master_set::item_name(uint32_t code) const {
  // Nine-digit codes: the first digit says which master holds them.
  if (code < 100000000 || code > 999999999)
    return {};
  switch (code / 100000000) {
    case 1:
      if (const procedure* p = find_procedure(code))
        return p->name;
      break;
    case 6:
      if (const drug* d = find_drug(code))
        return d->name;
      break;
    case 7:
      if (const material* m = find_material(code))
        return m->name;
      break;
    case 8:
      if (const comment* c = find_comment(code))
        return c->text;
      break;
  }
  return {};
}

} // namespace receptor::master
