#include "receptor/privacy/data_key.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace receptor::privacy {

namespace {

using cipher_context = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// OpenSSL takes int lengths; a value beyond that is refused rather than cut.
bool fits_int(size_t n) { return n <= static_cast<size_t>(INT32_MAX) - 64; }

// EVP_*Update takes int lengths: a whole file (a delivery may pass 2 GB)
// goes through in pieces of 1 GiB.
constexpr size_t update_piece = size_t{1} << 30;

bool update(EVP_CIPHER_CTX* ctx, bool encrypt, unsigned char* out, std::string_view in) {
  for (size_t at = 0; at < in.size(); at += update_piece) {
    auto n = static_cast<int>(std::min(update_piece, in.size() - at));
    int len = 0;
    auto* from = bytes_of(in) + at;
    if ((encrypt ? EVP_EncryptUpdate(ctx, out + at, &len, from, n) : EVP_DecryptUpdate(ctx, out + at, &len, from, n)) != 1
        || len != n)
      return false;
  }
  return true;
}

} // namespace

expected<std::string> gcm_seal(const std::array<uint8_t, 32>& key, std::string_view plaintext, std::string_view aad) {
  if (!fits_int(aad.size()))
    return make_error(ec::invalid_argument, "seal: associated data over 2 GB");
  std::string out(nonce_bytes + plaintext.size() + tag_bytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(o, static_cast<int>(nonce_bytes)) != 1)
    return make_error(ec::unexpected, "seal: no random bytes for the nonce");
  cipher_context ctx{EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free};
  int len = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), o) == 1
            && (aad.empty() || EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes_of(aad), static_cast<int>(aad.size())) == 1)
            && update(ctx.get(), true, o + nonce_bytes, plaintext)
            && EVP_EncryptFinal_ex(ctx.get(), o + nonce_bytes + plaintext.size(), &len) == 1
            && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_bytes),
                                   o + nonce_bytes + plaintext.size()) == 1;
  if (!ok)
    return make_error(ec::unexpected, "seal: AES-256-GCM encryption failed");
  return out;
}

expected<std::string> gcm_open(const std::array<uint8_t, 32>& key, std::string_view sealed, std::string_view aad) {
  if (sealed.size() < sealed_overhead || !fits_int(aad.size()))
    return make_error(ec::format_error, "");
  auto body = sealed.substr(nonce_bytes, sealed.size() - sealed_overhead);
  std::string tag{sealed.substr(sealed.size() - tag_bytes)};
  std::string out(body.size(), '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  cipher_context ctx{EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free};
  int len = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), bytes_of(sealed)) == 1
            && (aad.empty() || EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes_of(aad), static_cast<int>(aad.size())) == 1)
            && update(ctx.get(), false, o, body)
            && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_bytes), tag.data()) == 1
            && EVP_DecryptFinal_ex(ctx.get(), o + body.size(), &len) == 1;
  if (!ok)
    return make_error(ec::format_error, "");
  return out;
}

value_sealer::value_sealer(const data_key& key) {
  auto* ctx = EVP_CIPHER_CTX_new();
  if (ctx != nullptr && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key.key_.data(), nullptr) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    ctx = nullptr;
  }
  ctx_ = ctx;
}

value_sealer::~value_sealer() { EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(ctx_)); }

error value_sealer::seal_into(std::string_view plaintext, std::string& out) {
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(ctx_);
  if (ctx == nullptr || !fits_int(plaintext.size()))
    return make_error(ec::unexpected, "seal: AES-256-GCM context unavailable or value too large");
  // 1024 nonces per RAND_bytes call.
  if (next_nonce_ == nonces_.size()) {
    nonces_.assign(nonce_bytes * 1024, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(nonces_.data()), static_cast<int>(nonces_.size())) != 1)
      return make_error(ec::unexpected, "seal: no random bytes for the nonce");
    next_nonce_ = 0;
  }
  auto at = out.size();
  out.resize(at + nonce_bytes + plaintext.size() + tag_bytes);
  auto* o = reinterpret_cast<unsigned char*>(out.data() + at);
  std::memcpy(o, nonces_.data() + next_nonce_, nonce_bytes);
  next_nonce_ += nonce_bytes;
  int len = 0;
  bool ok = EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, o) == 1
            && EVP_EncryptUpdate(ctx, o + nonce_bytes, &len, bytes_of(plaintext), static_cast<int>(plaintext.size())) == 1
            && EVP_EncryptFinal_ex(ctx, o + nonce_bytes + len, &len) == 1
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_bytes),
                                   o + nonce_bytes + plaintext.size()) == 1;
  if (!ok) {
    out.resize(at);
    return make_error(ec::unexpected, "seal: AES-256-GCM encryption failed");
  }
  return {};
}

value_opener::value_opener(const data_key& key) {
  auto* ctx = EVP_CIPHER_CTX_new();
  if (ctx != nullptr && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key.key_.data(), nullptr) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    ctx = nullptr;
  }
  ctx_ = ctx;
}

value_opener::~value_opener() { EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(ctx_)); }

expected<std::string> value_opener::open(std::string_view sealed, std::string_view where) {
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(ctx_);
  if (sealed.size() < sealed_overhead)
    return make_error(ec::format_error, std::string{where} + ": sealed value too short (truncated)");
  if (ctx == nullptr || !fits_int(sealed.size()))
    return make_error(ec::unexpected, std::string{where} + ": AES-256-GCM context unavailable or value too large");
  auto body = sealed.substr(nonce_bytes, sealed.size() - sealed_overhead);
  unsigned char tag[tag_bytes];
  std::memcpy(tag, sealed.data() + sealed.size() - tag_bytes, tag_bytes);
  std::string out(body.size(), '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  bool ok = EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, bytes_of(sealed)) == 1
            && update(ctx, false, o, body)
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_bytes), tag) == 1
            && EVP_DecryptFinal_ex(ctx, o + body.size(), &len) == 1;
  if (!ok)
    return make_error(ec::format_error,
                      std::string{where} + ": sealed value does not verify (wrong key or altered bytes)");
  return out;
}

expected<data_key> data_key::generate() {
  data_key k;
  if (RAND_bytes(k.key_.data(), static_cast<int>(k.key_.size())) != 1)
    return make_error(ec::unexpected, "no random bytes for a data key");
  return k;
}

expected<std::string> data_key::seal(std::string_view plaintext, std::string_view aad) const {
  return gcm_seal(key_, plaintext, aad);
}

expected<std::string> data_key::open(std::string_view sealed, std::string_view where, std::string_view aad) const {
  auto out = gcm_open(key_, sealed, aad);
  if (!out)
    return make_error(ec::format_error,
                      std::string{where} + ": "
                        + (sealed.size() < sealed_overhead ? "sealed value too short (truncated)"
                                                           : "sealed value does not verify (wrong key or altered bytes)"));
  return out;
}

expected<std::string> data_key::wrap(const master_key& master) const {
  std::string_view plain{reinterpret_cast<const char*>(key_.data()), key_.size()};
  return gcm_seal(master.bytes(), plain, master.key_id());
}

expected<data_key> data_key::unwrap(const master_key& master, std::string_view wrapped, std::string_view key_id,
                                    std::string_view where) {
  if (key_id != master.key_id())
    return make_error(ec::invalid_argument, std::string{where} + ": sealed with master key " + std::string{key_id}
                                              + ", but the key given (" + master.source() + ") is "
                                              + master.key_id() + ": wrong key");
  auto plain = gcm_open(master.bytes(), wrapped, key_id);
  if (!plain || plain->size() != 32)
    return make_error(ec::format_error, std::string{where} + ": the wrapped data key does not verify with master key "
                                          + master.key_id() + " (wrong key or altered file)");
  data_key k;
  std::copy(plain->begin(), plain->end(), k.key_.begin());
  return k;
}

} // namespace receptor::privacy
