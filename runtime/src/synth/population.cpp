#include "receptor/synth/population.hpp"

#include <algorithm>
#include <string_view>

#include "receptor/check_digit.hpp"
#include "receptor/synth/random.hpp"

namespace receptor::synth {

namespace {

struct prefecture_info {
  const char* name;
  const char* city;     // seat of the prefectural government
  const char* area;     // telephone area code of that city
  uint32_t recipients;  // 医療扶助 recipients, thousands (rough 2022 figures; weights only)
};

// Index = 都道府県 code (JIS X 0401); entry 0 unused.
constexpr prefecture_info prefectures[48] = {
  {"", "", "", 0},
  {"北海道", "札幌市", "011", 160}, {"青森県", "青森市", "017", 30}, {"岩手県", "盛岡市", "019", 14},
  {"宮城県", "仙台市", "022", 30}, {"秋田県", "秋田市", "018", 15}, {"山形県", "山形市", "023", 7},
  {"福島県", "福島市", "024", 17}, {"茨城県", "水戸市", "029", 30}, {"栃木県", "宇都宮市", "028", 21},
  {"群馬県", "前橋市", "027", 16}, {"埼玉県", "さいたま市", "048", 100}, {"千葉県", "千葉市", "043", 90},
  {"東京都", "新宿区", "03", 280}, {"神奈川県", "横浜市", "045", 155}, {"新潟県", "新潟市", "025", 20},
  {"富山県", "富山市", "076", 3}, {"石川県", "金沢市", "076", 6}, {"福井県", "福井市", "0776", 3},
  {"山梨県", "甲府市", "055", 7}, {"長野県", "長野市", "026", 11}, {"岐阜県", "岐阜市", "058", 11},
  {"静岡県", "静岡市", "054", 32}, {"愛知県", "名古屋市", "052", 90}, {"三重県", "津市", "059", 17},
  {"滋賀県", "大津市", "077", 11}, {"京都府", "京都市", "075", 55}, {"大阪府", "大阪市", "06", 280},
  {"兵庫県", "神戸市", "078", 110}, {"奈良県", "奈良市", "0742", 20}, {"和歌山県", "和歌山市", "073", 16},
  {"鳥取県", "鳥取市", "0857", 7}, {"島根県", "松江市", "0852", 5}, {"岡山県", "岡山市", "086", 22},
  {"広島県", "広島市", "082", 45}, {"山口県", "山口市", "083", 14}, {"徳島県", "徳島市", "088", 13},
  {"香川県", "高松市", "087", 10}, {"愛媛県", "松山市", "089", 20}, {"高知県", "高知市", "088", 18},
  {"福岡県", "福岡市", "092", 125}, {"佐賀県", "佐賀市", "0952", 9}, {"長崎県", "長崎市", "095", 28},
  {"熊本県", "熊本市", "096", 26}, {"大分県", "大分市", "097", 21}, {"宮崎県", "宮崎市", "0985", 17},
  {"鹿児島県", "鹿児島市", "099", 32}, {"沖縄県", "那覇市", "098", 40},
};

constexpr const char* towns[] = {
  "本町", "中央", "栄町", "旭町", "緑町", "若葉町", "幸町", "東町", "西町", "南町", "北町", "桜町",
  "松原", "大和町", "千代田", "昭和町", "寿町", "宮前", "新町", "元町", "山手", "住吉", "天神", "白山",
  "青葉", "八幡", "日吉", "錦町", "港町", "駅前", "春日", "高砂", "泉町", "平和町", "清水", "柳町",
  "花園", "富士見", "稲荷町", "浜町",
};
constexpr size_t town_count = sizeof(towns) / sizeof(towns[0]);

const std::vector<name_entry> family_table = {
  {"佐藤", "サトウ"}, {"鈴木", "スズキ"}, {"高橋", "タカハシ"}, {"田中", "タナカ"}, {"伊藤", "イトウ"},
  {"渡辺", "ワタナベ"}, {"山本", "ヤマモト"}, {"中村", "ナカムラ"}, {"小林", "コバヤシ"}, {"加藤", "カトウ"},
  {"吉田", "ヨシダ"}, {"山田", "ヤマダ"}, {"佐々木", "ササキ"}, {"山口", "ヤマグチ"}, {"松本", "マツモト"},
  {"井上", "イノウエ"}, {"木村", "キムラ"}, {"林", "ハヤシ"}, {"斎藤", "サイトウ"}, {"清水", "シミズ"},
  {"山崎", "ヤマザキ"}, {"森", "モリ"}, {"池田", "イケダ"}, {"橋本", "ハシモト"}, {"阿部", "アベ"},
  {"石川", "イシカワ"}, {"山下", "ヤマシタ"}, {"中島", "ナカジマ"}, {"石井", "イシイ"}, {"小川", "オガワ"},
  {"前田", "マエダ"}, {"岡田", "オカダ"}, {"長谷川", "ハセガワ"}, {"藤田", "フジタ"}, {"後藤", "ゴトウ"},
  {"近藤", "コンドウ"}, {"村上", "ムラカミ"}, {"遠藤", "エンドウ"}, {"青木", "アオキ"}, {"坂本", "サカモト"},
  {"斉藤", "サイトウ"}, {"福田", "フクダ"}, {"太田", "オオタ"}, {"西村", "ニシムラ"}, {"藤井", "フジイ"},
  {"金子", "カネコ"}, {"岡本", "オカモト"}, {"藤原", "フジワラ"}, {"中野", "ナカノ"}, {"三浦", "ミウラ"},
  {"原田", "ハラダ"}, {"中川", "ナカガワ"}, {"松田", "マツダ"}, {"竹内", "タケウチ"}, {"小野", "オノ"},
  {"田村", "タムラ"}, {"中山", "ナカヤマ"}, {"和田", "ワダ"}, {"石田", "イシダ"}, {"森田", "モリタ"},
  {"上田", "ウエダ"}, {"原", "ハラ"}, {"内田", "ウチダ"}, {"柴田", "シバタ"}, {"酒井", "サカイ"},
  {"宮崎", "ミヤザキ"}, {"横山", "ヨコヤマ"}, {"高木", "タカギ"}, {"安藤", "アンドウ"}, {"宮本", "ミヤモト"},
  {"大野", "オオノ"}, {"小島", "コジマ"}, {"谷口", "タニグチ"}, {"工藤", "クドウ"}, {"今井", "イマイ"},
  {"高田", "タカダ"}, {"増田", "マスダ"}, {"丸山", "マルヤマ"}, {"杉山", "スギヤマ"}, {"村田", "ムラタ"},
  {"大塚", "オオツカ"}, {"新井", "アライ"}, {"小山", "コヤマ"}, {"平野", "ヒラノ"}, {"藤本", "フジモト"},
  {"河野", "コウノ"}, {"上野", "ウエノ"}, {"野口", "ノグチ"}, {"武田", "タケダ"}, {"松井", "マツイ"},
  {"千葉", "チバ"}, {"岩崎", "イワサキ"}, {"菅原", "スガワラ"}, {"木下", "キノシタ"}, {"久保", "クボ"},
  {"佐野", "サノ"}, {"野村", "ノムラ"}, {"松尾", "マツオ"}, {"市川", "イチカワ"}, {"菊地", "キクチ"},
  {"杉本", "スギモト"}, {"古川", "フルカワ"}, {"大西", "オオニシ"}, {"島田", "シマダ"}, {"水野", "ミズノ"},
  {"桜井", "サクライ"}, {"渡部", "ワタナベ"}, {"比嘉", "ヒガ"}, {"金城", "キンジョウ"},
  // Variant kanji outside JIS X 0208 (CP932 NEC/IBM extensions).
  {"髙橋", "タカハシ"}, {"髙木", "タカギ"}, {"山﨑", "ヤマザキ"}, {"宮﨑", "ミヤザキ"}, {"德永", "トクナガ"},
};

const std::vector<name_entry> male_table = {
  {"清", "キヨシ"}, {"茂", "シゲル"}, {"博", "ヒロシ"}, {"実", "ミノル"}, {"勇", "イサム"},
  {"進", "ススム"}, {"弘", "ヒロシ"}, {"勝", "マサル"}, {"隆", "タカシ"}, {"正", "タダシ"},
  {"和夫", "カズオ"}, {"正男", "マサオ"}, {"一郎", "イチロウ"}, {"健一", "ケンイチ"}, {"誠", "マコト"},
  {"修", "オサム"}, {"明", "アキラ"}, {"豊", "ユタカ"}, {"武", "タケシ"}, {"光男", "ミツオ"},
  {"秀樹", "ヒデキ"}, {"浩二", "コウジ"}, {"雅之", "マサユキ"}, {"直樹", "ナオキ"}, {"大輔", "ダイスケ"},
  {"健太", "ケンタ"}, {"翔太", "ショウタ"}, {"拓也", "タクヤ"}, {"達也", "タツヤ"}, {"蓮", "レン"},
  {"悠真", "ユウマ"}, {"陽翔", "ハルト"}, {"大和", "ヤマト"}, {"湊", "ミナト"}, {"義男", "ヨシオ"},
};

const std::vector<name_entry> female_table = {
  {"幸子", "サチコ"}, {"和子", "カズコ"}, {"洋子", "ヨウコ"}, {"恵子", "ケイコ"}, {"節子", "セツコ"},
  {"京子", "キョウコ"}, {"美智子", "ミチコ"}, {"久美子", "クミコ"}, {"悦子", "エツコ"}, {"順子", "ジュンコ"},
  {"文子", "フミコ"}, {"弘子", "ヒロコ"}, {"清子", "キヨコ"}, {"富子", "トミコ"}, {"静子", "シズコ"},
  {"明美", "アケミ"}, {"由美子", "ユミコ"}, {"真由美", "マユミ"}, {"裕子", "ユウコ"}, {"智子", "トモコ"},
  {"直美", "ナオミ"}, {"美穂", "ミホ"}, {"愛", "アイ"}, {"美咲", "ミサキ"}, {"彩", "アヤ"},
  {"陽菜", "ヒナ"}, {"結衣", "ユイ"}, {"さくら", "サクラ"}, {"葵", "アオイ"}, {"凛", "リン"},
  {"ハナ", "ハナ"}, {"キヨ", "キヨ"}, {"トメ", "トメ"}, {"千代子", "チヨコ"}, {"光子", "ミツコ"},
};

constexpr const char* clinic_suffixes[] = {"内科クリニック", "内科医院", "クリニック", "整形外科", "医院",
                                           "診療所", "内科・循環器科", "ファミリークリニック"};
constexpr const char* psychiatric_clinic_suffixes[] = {"メンタルクリニック", "心療内科", "こころのクリニック"};
constexpr const char* hospital_suffixes[] = {"病院", "総合病院", "記念病院", "中央病院", "市民病院"};
constexpr const char* dental_suffixes[] = {"歯科医院", "歯科クリニック", "デンタルクリニック", "歯科"};
constexpr const char* pharmacy_names[] = {"さくら", "あおば", "ひまわり", "すずらん", "たんぽぽ",
                                          "みどり", "ほし", "こもれび", "あさひ", "つばさ"};
constexpr const char* pharmacy_suffixes[] = {"薬局", "調剤薬局", "ファーマシー"};
constexpr const char* office_suffixes[] = {"福祉事務所", "保健福祉センター", "生活福祉課"};

template <class T, size_t N>
constexpr size_t size_of(const T (&)[N]) {
  return N;
}

// Appends `value` as full-width digits (U+FF10…U+FF19, 3 UTF-8 bytes each).
void append_full_width(std::string& out, uint64_t value) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  while (n > 0) {
    out += "\xEF\xBC";
    out += static_cast<char>('\x90' + (digits[--n] - '0'));
  }
}

std::string full_width(uint64_t value) {
  std::string s;
  append_full_width(s, value);
  return s;
}

// Appends `value` as `width` ASCII digits, zero-padded.
void append_padded(std::string& out, uint64_t value, int width) {
  std::string digits(static_cast<size_t>(width), '0');
  for (int i = width - 1; i >= 0 && value > 0; --i, value /= 10)
    digits[static_cast<size_t>(i)] = static_cast<char>('0' + value % 10);
  out += digits;
}

// A number body followed by its 検証番号.
std::string with_check_digit(std::string body) {
  body += static_cast<char>('0' + check_digit(body));
  return body;
}

uint32_t with_check_digit(uint32_t body, int width) {
  std::string s;
  append_padded(s, body, width);
  return body * 10 + static_cast<uint32_t>(check_digit(s));
}

bool leap(uint32_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

uint32_t days_in(uint32_t year, uint32_t month) {
  static constexpr uint32_t days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap(year) ? 29 : days[month - 1];
}

// A birth date for someone aged `age` on the first day of `reference_month`.
uint32_t birth_date(uint32_t reference_month, uint32_t age, rng& random) {
  uint32_t year = reference_month / 100 - age;
  const auto month = static_cast<uint32_t>(random.between(1, 12));
  auto day = static_cast<uint32_t>(random.between(1, days_in(year, month)));
  // A birthday after the reference day means born a year earlier (for
  // age 0 too: nobody is born after the month they are counted in).
  if (month * 100 + day > (reference_month % 100) * 100 + 1) {
    --year;
    day = std::min(day, days_in(year, month));
  }
  return year * 10000 + month * 100 + day;
}

// Age distribution of 生活保護 recipients (被保護者調査: about 40 % are 70 or older).
uint32_t draw_age(rng& random) {
  static constexpr uint32_t weights[] = {4, 6, 5, 6, 8, 12, 19, 22, 14, 4};
  static constexpr uint32_t from[] = {0, 6, 15, 25, 40, 50, 60, 70, 80, 90};
  static constexpr uint32_t to[] = {5, 14, 24, 39, 49, 59, 69, 79, 89, 99};
  const size_t band = random.weighted(weights);
  return static_cast<uint32_t>(random.between(from[band], to[band]));
}

// 10 digits split as a Japanese number: area code, exchange, line.
std::string phone_number(const prefecture_info& p, rng& random) {
  const std::string_view area = p.area;
  std::string s{area};
  s += '-';
  const int exchange = 6 - static_cast<int>(area.size());
  append_padded(s, static_cast<uint64_t>(random.between(exchange == 4 ? 1000 : 100, exchange == 4 ? 9999 : 999)),
                exchange);
  s += '-';
  append_padded(s, static_cast<uint64_t>(random.below(10000)), 4);
  return s;
}

std::string address(uint8_t prefecture, rng& random) {
  const auto& p = prefectures[prefecture];
  std::string s = p.name;
  s += p.city;
  s += towns[random.below(town_count)];
  append_full_width(s, static_cast<uint64_t>(random.between(1, 9)));
  s += "丁目";
  append_full_width(s, static_cast<uint64_t>(random.between(1, 30)));
  s += "番";
  append_full_width(s, static_cast<uint64_t>(random.between(1, 20)));
  s += "号";
  return s;
}

// The i-th distinct code body of a (prefecture, table): 郡市区 01–90 and 番号
// 0000–9999 visited in a scrambled order (7919 is prime to 900000) that starts
// somewhere else for every (prefecture, table).
std::string institution_code(uint32_t i, uint64_t start) {
  const uint32_t body = static_cast<uint32_t>(((i + start) % 900000 * 7919 + 104729) % 900000);
  std::string s;
  append_padded(s, body / 10000 + 1, 2);
  append_padded(s, body % 10000, 4);
  return with_check_digit(std::move(s));
}

size_t derived(size_t given, double per_receipt, size_t receipts, size_t at_least = 1) {
  if (given > 0)
    return given;
  return std::max(at_least, static_cast<size_t>(static_cast<double>(receipts) * per_receipt + 0.5));
}

} // namespace

const std::vector<name_entry>& family_names() { return family_table; }

const std::vector<name_entry>& given_names(uint8_t sex) { return sex == 2 ? female_table : male_table; }

const char* prefecture_name(uint8_t prefecture) {
  return prefecture >= 1 && prefecture <= 47 ? prefectures[prefecture].name : "";
}

population make_population(const population_options& options) {
  population pop;
  pop.seed = options.seed;
  rng random{derive_seed(options.seed, 0x706f70)}; // "pop"

  // Prefectures and their weights.
  std::vector<uint8_t> prefs = options.prefectures;
  if (prefs.empty())
    for (uint8_t p = 1; p <= 47; ++p)
      prefs.push_back(p);
  std::vector<uint64_t> cumulative;
  uint64_t total_weight = 0;
  for (uint8_t p : prefs) {
    total_weight += prefectures[p].recipients;
    cumulative.push_back(total_weight);
  }
  auto draw_prefecture = [&]() {
    const uint64_t r = random.below(total_weight);
    return prefs[static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), r) - cumulative.begin())];
  };

  // Sizes for a month of `receipts` (domain.md §4): about 3,000 receipts per
  // office, two per recipient, 45 生保 receipts a month per clinic (85 % of 医科
  // outpatients), 25 per dental clinic, 50 per pharmacy.
  const size_t receipts = options.receipts;
  const size_t office_count = std::min<size_t>(derived(options.offices, 1.0 / 3000, receipts), 900 * prefs.size());
  const size_t people_count = derived(options.people, 0.5, receipts);
  const size_t clinic_count = derived(options.clinics, 0.55 * 0.85 / 45, receipts);
  const size_t hospital_count = derived(options.hospitals, 1.0 / 800, receipts);
  const size_t dental_count = derived(options.dental_clinics, 0.10 / 25, receipts);
  const size_t pharmacy_count = derived(options.pharmacies, 0.32 / 50, receipts);

  // Offices: every chosen prefecture gets at least one; the rest follow the weights.
  std::vector<std::vector<uint32_t>> offices_by_prefecture(48);
  std::vector<uint16_t> next_agency(48, 101);
  auto add_office = [&](uint8_t prefecture) {
    office o;
    o.law = 12;
    o.prefecture = prefecture;
    o.agency = next_agency[prefecture]++;
    std::string body = "12";
    append_padded(body, prefecture, 2);
    append_padded(body, o.agency, 3);
    o.payer_no = with_check_digit(std::move(body));
    o.name = prefectures[prefecture].city;
    o.name += towns[(o.agency - 101) % town_count];
    o.name += office_suffixes[random.below(size_of(office_suffixes))];
    offices_by_prefecture[prefecture].push_back(static_cast<uint32_t>(pop.offices.size()));
    pop.offices.push_back(std::move(o));
  };
  for (uint8_t p : prefs)
    add_office(p);
  while (pop.offices.size() < office_count)
    add_office(draw_prefecture());
  // Programme 25 is run by the first office of each prefecture, under its own number.
  std::vector<int64_t> programme_25_office(48, -1);
  if (options.coverage.programme_25 > 0) {
    for (uint8_t p : prefs) {
      office o = pop.offices[offices_by_prefecture[p].front()];
      o.law = 25;
      o.payer_no = with_check_digit("25" + o.payer_no.substr(2, 5));
      programme_25_office[p] = static_cast<int64_t>(pop.offices.size());
      pop.offices.push_back(std::move(o));
    }
  }

  // People.
  pop.people.reserve(people_count);
  pop.people_by_prefecture.assign(48, {});
  std::vector<uint32_t> issued(pop.offices.size(), 0);
  const auto& coverage = options.coverage;
  for (size_t i = 0; i < people_count; ++i) {
    person h;
    const uint8_t prefecture = draw_prefecture();
    const auto& local = offices_by_prefecture[prefecture];
    h.office = random.chance(coverage.programme_25) && programme_25_office[prefecture] >= 0
                 ? static_cast<uint32_t>(programme_25_office[prefecture])
                 : local[random.below(local.size())];
    // 受給者番号: the k-th number an office issues, scrambled (7919 is prime to 10^6).
    const uint32_t k = issued[h.office]++;
    const uint32_t scrambled = static_cast<uint32_t>((uint64_t{k} * 7919 + 1000 * (h.office % 997) + 13) % 1000000);
    h.recipient_no = with_check_digit(scrambled, 6);
    h.sex = random.chance(0.52) ? 2 : 1;
    h.family_name = static_cast<uint16_t>(random.below(family_table.size()));
    const auto& given = given_names(h.sex);
    h.given_name = static_cast<uint16_t>(random.below(given.size()));
    h.name = family_table[h.family_name].kanji;
    h.name += "\xE3\x80\x80"; // U+3000 IDEOGRAPHIC SPACE
    h.name += given[h.given_name].kanji;
    h.kana = family_table[h.family_name].kana;
    h.kana += given[h.given_name].kana;
    const uint32_t age = draw_age(random);
    h.birth_date = birth_date(options.reference_month, age, random);
    if (random.chance(0.04)) {
      static constexpr uint32_t amounts[] = {1000, 2000, 3000, 5000, 8000, 12000};
      h.copay = amounts[random.below(size_of(amounts))];
    }
    // Recipients lose 国保 and 後期高齢者医療 (from 75); only 被用者保険 remains possible.
    if (age < 75 && random.chance(coverage.employee_insurance)) {
      employee_insurance ins;
      static constexpr uint32_t laws[] = {1, 6, 31, 32, 34};
      static constexpr uint32_t law_weights[] = {55, 30, 6, 6, 3};
      const uint32_t law = laws[random.weighted(law_weights)];
      std::string body;
      append_padded(body, law, 2);
      append_padded(body, prefecture, 2);
      append_padded(body, law == 1 ? 1 : static_cast<uint64_t>(random.between(1, 999)), 3);
      ins.insurer_no = with_check_digit(std::move(body));
      ins.symbol = full_width(static_cast<uint64_t>(random.between(1, law == 1 ? 99999999 : 9999)));
      ins.number = full_width(static_cast<uint64_t>(random.between(1, 99999)));
      ins.dependant = age < 20 || random.chance(0.35);
      h.insurance = static_cast<int32_t>(pop.insurances.size());
      pop.insurances.push_back(std::move(ins));
    } else if (random.chance(coverage.other_public)) {
      // 精神通院 is by far the most common other 公費 of recipients, then 難病 and 更生医療.
      static constexpr uint8_t laws[] = {21, 54, 15};
      static constexpr uint32_t law_weights[] = {55, 30, 15};
      other_public other;
      other.law = laws[random.weighted(law_weights)];
      std::string body;
      append_padded(body, other.law, 2);
      append_padded(body, prefecture, 2);
      append_padded(body, static_cast<uint64_t>(random.between(1, 999)), 3);
      other.payer_no = with_check_digit(std::move(body));
      other.recipient_no = with_check_digit(static_cast<uint32_t>(random.below(1000000)), 6);
      h.other = static_cast<int32_t>(pop.other_publics.size());
      pop.other_publics.push_back(std::move(other));
    }
    h.traits = derive_seed(options.seed, 0x7065726e00000000ull + i); // "pern" + id
    pop.people_by_prefecture[prefecture].push_back(static_cast<uint32_t>(i));
    pop.people.push_back(std::move(h));
  }

  // Institutions: codes count up per (prefecture, 点数表).
  std::vector<uint32_t> next_code(48 * 5, 0);
  auto add_institution = [&](facility type) {
    institution inst;
    inst.type = type;
    inst.prefecture = draw_prefecture();
    inst.table = type == facility::dental_clinic ? 3 : type == facility::pharmacy ? 4 : 1;
    const uint32_t slot = inst.prefecture * 5u + inst.table;
    inst.code = institution_code(next_code[slot]++, derive_seed(options.seed, slot));
    const auto& p = prefectures[inst.prefecture];
    const char* town = towns[random.below(town_count)];
    const auto& family = family_table[random.below(family_table.size())];
    switch (type) {
      case facility::clinic:
        inst.psychiatric = random.chance(0.12);
        inst.name = random.chance(0.6) ? family.kanji : town;
        inst.name += inst.psychiatric ? psychiatric_clinic_suffixes[random.below(size_of(psychiatric_clinic_suffixes))]
                                      : clinic_suffixes[random.below(size_of(clinic_suffixes))];
        inst.outside_prescriptions = random.chance(0.75);
        inst.weight = static_cast<uint32_t>(random.between(1, 10));
        break;
      case facility::hospital:
        inst.psychiatric = random.chance(0.2);
        inst.name = random.chance(0.5) ? p.city : town;
        inst.name += inst.psychiatric ? "病院" : hospital_suffixes[random.below(size_of(hospital_suffixes))];
        inst.beds = static_cast<uint16_t>(random.between(inst.psychiatric ? 100 : 50, inst.psychiatric ? 400 : 600));
        inst.dpc = !inst.psychiatric && inst.beds >= 100 && random.chance(0.45);
        inst.outside_prescriptions = random.chance(0.6);
        inst.weight = static_cast<uint32_t>(random.between(5, 30));
        break;
      case facility::dental_clinic:
        inst.name = random.chance(0.6) ? family.kanji : town;
        inst.name += dental_suffixes[random.below(size_of(dental_suffixes))];
        inst.weight = static_cast<uint32_t>(random.between(1, 5));
        break;
      case facility::pharmacy:
        inst.name = pharmacy_names[random.below(size_of(pharmacy_names))];
        inst.name += pharmacy_suffixes[random.below(size_of(pharmacy_suffixes))];
        inst.name += town;
        inst.name += "店";
        inst.weight = static_cast<uint32_t>(random.between(1, 10));
        break;
    }
    inst.address = address(inst.prefecture, random);
    inst.phone = phone_number(p, random);
    if (inst.table == 1) {
      const auto& doctor_family = family_table[random.below(family_table.size())];
      const auto& doctor_given = given_names(random.chance(0.3) ? 2 : 1);
      inst.doctor = doctor_family.kanji;
      inst.doctor += "\xE3\x80\x80";
      inst.doctor += doctor_given[random.below(doctor_given.size())].kanji;
    }
    pop.institutions.push_back(std::move(inst));
  };
  for (size_t i = 0; i < clinic_count; ++i)
    add_institution(facility::clinic);
  const size_t first_hospital = pop.institutions.size();
  for (size_t i = 0; i < hospital_count; ++i)
    add_institution(facility::hospital);
  // Every population has a general DPC hospital, so DPC receipts always have a home.
  auto& first = pop.institutions[first_hospital];
  if (std::none_of(pop.institutions.begin() + static_cast<std::ptrdiff_t>(first_hospital), pop.institutions.end(),
                   [](const institution& inst) { return inst.dpc; })) {
    first.psychiatric = false;
    first.dpc = true;
    first.beds = std::max<uint16_t>(first.beds, 200);
  }
  for (size_t i = 0; i < dental_count; ++i)
    add_institution(facility::dental_clinic);
  for (size_t i = 0; i < pharmacy_count; ++i)
    add_institution(facility::pharmacy);
  return pop;
}

} // namespace receptor::synth
