#include "receptor/store/sealed_columns.hpp"

#include "receptor/privacy/base64.hpp"

namespace receptor::store {

namespace {

std::string sealed_column_name(std::string_view table, std::string_view column) {
  return "/" + std::string{table} + "/" + std::string{column};
}

} // namespace

bool is_identifier_column(std::string_view column) {
  for (std::string_view id : {"recipient_no", "raw", "name", "kana", "name_kana", "address", "birth_date"})
    if (column == id)
      return true;
  return false;
}

expected<column_sealer> column_sealer::create(const privacy::master_key& master) {
  auto key = privacy::data_key::generate();
  if (!key)
    return key.error_value();
  auto wrapped = key->wrap(master);
  if (!wrapped)
    return wrapped.error_value();
  column_sealer s;
  s.key_ = std::move(*key);
  s.key_id_ = master.key_id();
  s.wrapped_ = privacy::base64_encode(*wrapped);
  return s;
}

error column_sealer::write_key(result_file_writer& writer) const {
  if (auto err = writer.set_text_attribute("/", "key_id", key_id_))
    return err;
  return writer.set_text_attribute("/", "data_key", wrapped_);
}

expected<std::vector<std::string>> column_sealer::seal(std::string_view name, column_table& table) const {
  std::vector<std::string> sealed;
  for (auto& col : table.columns()) {
    if (!is_identifier_column(col.name))
      continue;
    if (!std::holds_alternative<string_array>(col.data))
      return make_error(ec::invalid_argument, std::string{name} + "." + col.name + ": an identifier column must be text");
    sealed.push_back(col.name);
  }
  // Second pass: replace after the loop, which walks the columns.
  for (auto& column_name : sealed) {
    auto* values = table.get<string_array>(column_name);
    string_array out;
    out.reserve(values->size(), values->bytes().size() * 4 / 3 + values->size() * 40);
    privacy::value_sealer sealer{key_};
    std::string box;
    for (size_t i = 0; i < values->size(); ++i) {
      box.clear();
      if (auto err = sealer.seal_into((*values)[i], box))
        return err;
      out.push_back(privacy::base64_encode(box));
    }
    if (auto err = table.replace(column_name, std::move(out)))
      return err;
  }
  return sealed;
}

error column_sealer::write_sealed(result_file_writer& writer, std::string_view name, const column_table& table,
                                  const std::vector<std::string>& sealed) const {
  if (auto err = writer.write_table(name, table))
    return err;
  for (auto& column_name : sealed)
    if (auto err = writer.set_int_attribute(sealed_column_name(name, column_name), "sealed", 1))
      return err;
  return {};
}

error column_sealer::write_table(result_file_writer& writer, std::string_view name, column_table table) const {
  auto sealed = seal(name, table);
  if (!sealed)
    return sealed.error_value();
  return write_sealed(writer, name, table, *sealed);
}

expected<std::vector<std::string>> open_sealed_values(const privacy::master_key& master, std::string_view key_id,
                                                      std::string_view wrapped_key,
                                                      const std::vector<std::string_view>& values,
                                                      std::string_view where) {
  auto wrapped = privacy::base64_decode(wrapped_key);
  if (!wrapped)
    return make_error(ec::format_error, std::string{where} + ": the data_key attribute is not base64");
  auto key = privacy::data_key::unwrap(master, *wrapped, key_id, where);
  if (!key)
    return key.error_value();
  std::vector<std::string> out;
  out.reserve(values.size());
  privacy::value_opener opener{*key};
  auto row = [&](size_t i) { return std::string{where} + " row " + std::to_string(i); };
  for (size_t i = 0; i < values.size(); ++i) {
    auto box = privacy::base64_decode(values[i]);
    if (!box)
      return make_error(ec::format_error, row(i) + ": sealed value is not base64");
    auto plain = opener.open(*box, row(i));
    if (!plain)
      return plain.error_value();
    out.push_back(std::move(*plain));
  }
  return out;
}

expected<column_table> read_opened_table(const std::string& path, std::string_view name,
                                         const privacy::master_key& master) {
  auto table = read_table(path, name);
  if (!table)
    return table;
  auto key_id = read_attribute_text(path, "/", "key_id");
  if (!key_id)
    return key_id.error_value();
  if (!*key_id)
    return table;
  auto wrapped = read_attribute_text(path, "/", "data_key");
  if (!wrapped)
    return wrapped.error_value();
  if (!*wrapped)
    return make_error(ec::format_error, path + ": key_id without data_key");
  std::vector<std::string> names;
  for (auto& col : table->columns())
    names.push_back(col.name);
  for (auto& column_name : names) {
    auto sealed = read_attribute_int(path, sealed_column_name(name, column_name), "sealed");
    if (!sealed)
      return sealed.error_value();
    if (!*sealed || **sealed != 1)
      continue;
    auto* values = table->get<string_array>(column_name);
    if (values == nullptr)
      return make_error(ec::format_error, path + ": sealed column " + column_name + " is not text");
    std::vector<std::string_view> views;
    views.reserve(values->size());
    for (size_t i = 0; i < values->size(); ++i)
      views.push_back((*values)[i]);
    auto opened = open_sealed_values(master, **key_id, **wrapped, views, path + ": " + sealed_column_name(name, column_name));
    if (!opened)
      return opened.error_value();
    string_array out;
    for (auto& v : *opened)
      out.push_back(v);
    if (auto err = table->replace(column_name, std::move(out)))
      return err;
  }
  return table;
}

} // namespace receptor::store
