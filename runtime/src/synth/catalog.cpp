#include "receptor/synth/catalog.hpp"

namespace receptor::synth {

namespace {

procedure_item proc(uint32_t code, int32_t points, uint8_t shikibetsu, const char* name) {
  return procedure_item{code, points, shikibetsu, name};
}

drug_item drug(uint32_t code, uint32_t price, dosage_form form, const char* name, uint32_t dose = 1000,
               bool countable = true) {
  drug_item d;
  d.code = code;
  d.price = price;
  d.dose = dose;
  d.countable = countable;
  d.form = form;
  d.name = name;
  return d;
}

drug_item generic(drug_item d) {
  d.generic = true;
  return d;
}

drug_item brand_with_generic(drug_item d) {
  d.has_generic = true;
  return d;
}

drug_item psychotropic(drug_item d) {
  d.psychotropic = true;
  return d;
}

disease_item disease(uint32_t code, const char* name, const char* icd10, bool chronic, bool psychiatric = false,
                     bool dental = false) {
  return disease_item{code, name, icd10, chronic, psychiatric, dental, 20};
}

} // namespace

catalog builtin_catalog() {
  catalog c;
  // Points and names as in s_ALL20240531 (checked with the stored master).
  c.first_visit = proc(111000110, 291, 11, "初診料");
  c.revisit = proc(112007410, 75, 12, "再診料");
  c.hospital_revisit = proc(112011310, 76, 12, "外来診療料");
  c.outpatient_management = proc(112011010, 52, 12, "外来管理加算");
  c.statement_bonus = proc(112015770, 1, 12, "明細書発行体制等加算");
  c.disease_management = proc(113001810, 225, 13, "特定疾患療養管理料（診療所）");
  c.drug_information = proc(120002370, 4, 13, "薬剤情報提供料");
  c.home_visit = proc(114001110, 888, 14, "在宅患者訪問診療料（１）１（同一建物居住者以外）");
  c.dispensing_oral = proc(120000710, 11, 24, "調剤料（内服薬・浸煎薬・屯服薬）");
  c.dispensing_topical = proc(120001010, 8, 24, "調剤料（外用薬）");
  c.prescribing = proc(120001210, 42, 25, "処方料（その他）");
  c.prescription = proc(120002910, 60, 80, "処方箋料（リフィル以外・その他）");
  c.generic_name_bonus = proc(120004270, 10, 80, "一般名処方加算１（処方箋料）");
  c.inpatient_dispensing = proc(120001110, 7, 24, "調剤料（入院）");
  c.inpatient_dispensing_base = proc(120001710, 42, 27, "調基（入院）");
  c.injection_im = proc(130000510, 25, 31, "皮内、皮下及び筋肉内注射");
  c.injection_iv = proc(130003510, 37, 32, "静脈内注射");
  c.drip = proc(130003810, 102, 33, "点滴注射");
  c.blood_draw = proc(160095710, 40, 60, "Ｂ－Ｖ");
  c.chemistry_judgement = proc(160061910, 144, 60, "生化学的検査（１）判断料");
  c.hematology_judgement = proc(160061810, 125, 60, "血液学的検査判断料");
  c.chemistry_items = {
    proc(160022510, 17, 60, "ＡＳＴ"), proc(160022610, 17, 60, "ＡＬＴ"),
    proc(160020410, 11, 60, "γ－ＧＴ"), proc(160019010, 11, 60, "ＢＵＮ"),
    proc(160019210, 11, 60, "クレアチニン"), proc(160019410, 11, 60, "グルコース"),
    proc(160019510, 11, 60, "ＬＤ"), proc(160017410, 11, 60, "ＴＰ"),
    proc(160018910, 11, 60, "Ａｌｂ（ＢＣＰ改良法・ＢＣＧ法）"), proc(160020910, 11, 60, "ＴＧ"),
    proc(160023410, 17, 60, "ＨＤＬ－コレステロール"), proc(160167250, 18, 60, "ＬＤＬ－コレステロール"),
    proc(160021110, 11, 60, "ナトリウム及びクロール"), proc(160021410, 11, 60, "カリウム"),
    proc(160020010, 11, 60, "ＡＬＰ"), proc(160020610, 11, 60, "ＣＫ"),
    proc(160017010, 11, 60, "ＢＩＬ／総"), proc(160017110, 11, 60, "ＢＩＬ／直"),
    proc(160019310, 11, 60, "ＵＡ"), proc(160020210, 11, 60, "ＣｈＥ"),
    proc(160020310, 11, 60, "Ａｍｙ"), proc(160021510, 11, 60, "カルシウム"),
    proc(160021810, 17, 60, "無機リン及びリン酸"), proc(160022210, 11, 60, "マグネシウム"),
    proc(160022410, 17, 60, "Ｔｃｈｏ"),
  };
  // 生化学的検査（１）: 5–7 items 93, 8–9 items 99, 10 or more 103 (2024 点数表).
  c.chemistry_panel_points[0] = 93;
  c.chemistry_panel_points[1] = 99;
  c.chemistry_panel_points[2] = 103;

  const procedure_item acute_ward = proc(190117710, 1688, 90, "急性期一般入院料１");
  const procedure_item region = proc(190077070, 18, 90, "１級地地域加算");
  c.acute_ward_days_1_14 = {90, {acute_ward, proc(190079470, 450, 90, "一般病棟入院期間加算（１４日以内）"), region}};
  c.acute_ward_days_15_30 = {
    90, {acute_ward, proc(190079670, 192, 90, "一般病棟入院期間加算（１５日以上３０日以内）"), region}};
  c.acute_ward_days_31 = {90, {acute_ward, region}};
  c.long_term_ward = proc(190817610, 1964, 90, "療養病棟入院料１（入院料１）");
  c.psychiatric_ward = proc(190055010, 1108, 92, "精神療養病棟入院料");
  c.admission_bonuses = {
    proc(190120510, 85, 90, "医療安全対策加算１"),
    proc(190149210, 145, 90, "データ提出加算１（許可病床数２００床以上）"),
    proc(190832010, 140, 90, "診療録管理体制加算１"),
  };
  c.meal = proc(197000110, 670, 97, "入院時食事療養（１）（１食につき）（２以外の食事療養）");
  c.dining_bonus = proc(197000570, 50, 97, "食堂加算（食事療養）");

  c.single_tests = {
    proc(160000310, 26, 60, "尿一般"), proc(160008010, 21, 60, "末梢血液一般検査"),
    proc(160010010, 49, 60, "ＨｂＡ１ｃ"), proc(160054710, 16, 60, "ＣＲＰ"),
    proc(160068410, 130, 60, "ＥＣＧ１２"), proc(160072210, 530, 60, "超音波検査（断層撮影法）（胸腹部）"),
    proc(160169450, 132, 60, "インフルエンザウイルス抗原定性"), proc(160012010, 18, 60, "ＰＴ"),
    proc(160012310, 29, 60, "ＡＰＴＴ"), proc(160191510, 15, 60, "末梢血液像（自動機械法）"),
  };
  c.imaging = {
    {70,
     {proc(170027910, 68, 70, "単純撮影（デジタル撮影）"), proc(170000410, 85, 70, "単純撮影（イ）の写真診断"),
      proc(170000210, 57, 70, "電子画像管理加算（単純撮影）")}},
    {70,
     {proc(170011810, 900, 70, "ＣＴ撮影（１６列以上６４列未満マルチスライス型機器）"),
      proc(170028810, 120, 70, "電子画像管理加算（コンピューター断層診断料）")}},
  };
  c.treatments = {
    proc(140000610, 52, 40, "創傷処置（１００ｃｍ２未満）"), proc(140002210, 35, 40, "消炎鎮痛等処置（湿布処置）"),
    proc(140029610, 35, 40, "消炎鎮痛等処置（マッサージ等の手技による療法）"), proc(140022710, 12, 40, "ネブライザ"),
    proc(140003810, 48, 40, "喀痰吸引"), proc(140023210, 60, 40, "鼻腔栄養"),
  };
  c.oxygen_inhalation = proc(140005610, 65, 40, "酸素吸入");
  c.dialysis = proc(140057810, 1876, 40, "人工腎臓（慢性維持透析１）（４時間未満）");
  c.surgeries = {
    proc(150001010, 530, 50, "創傷処理（筋肉、臓器に達しない）（長径５ｃｍ未満）"),
    proc(150001810, 640, 50, "皮膚切開術（長径１０ｃｍ未満）"),
    proc(150285010, 5000, 50, "内視鏡的大腸ポリープ・粘膜切除術（長径２ｃｍ未満）"),
    proc(150171610, 6070, 50, "胃瘻造設術（経皮的内視鏡下胃瘻造設術、腹腔鏡下胃瘻造設術を含む）"), proc(150181610, 6740, 50, "虫垂切除術（虫垂周囲膿瘍を伴わないもの）"),
    proc(150253010, 12100, 50, "水晶体再建術（眼内レンズを挿入）（その他）"),
    proc(150049510, 19500, 50, "人工骨頭挿入術（股）"),
  };
  c.rehabilitation = {
    proc(180745710, 200, 80, "脳血管疾患等リハビリテーション料（２）（理学療法士による場合）"),
    proc(180756010, 170, 80, "運動器リハビリテーション料（２）（理学療法士による場合）"),
  };
  c.psychotherapy = proc(180067310, 290, 80, "通院精神療法（３０分未満）（１以外）");
  c.psychiatric_support = proc(180031410, 55, 80, "精神科継続外来支援・指導料");
  c.psychiatric_day_care = proc(180007610, 700, 80, "精神科デイ・ケア（大規模）");
  c.occupational_therapy = proc(180007410, 220, 80, "精神科作業療法");

  // Prices (1/100 yen) as in y_ALL20240321.
  const auto oral = dosage_form::oral;
  c.oral_drugs = {
    generic(drug(620007870, 1010, oral, "アムロジピン錠５ｍｇ「サワイ」")),
    brand_with_generic(drug(612170710, 1520, oral, "ノルバスク錠５ｍｇ")),
    brand_with_generic(drug(620005905, 1520, oral, "アムロジン錠５ｍｇ")),
    brand_with_generic(drug(620098801, 1010, oral, "ロキソニン錠６０ｍｇ")),
    generic(drug(620100901, 980, oral, "ロキソプロフェンナトリウム錠６０ｍｇ「日医工」")),
    drug(620452801, 1010, oral, "ムコスタ錠１００ｍｇ"),
    drug(620009465, 1010, oral, "レバミピド錠１００ｍｇ「サワイ」"),
    brand_with_generic(drug(612320350, 1520, oral, "ガスター錠２０ｍｇ")),
    generic(drug(620003601, 1010, oral, "ファモチジン錠２０ｍｇ「ＴＣＫ」")),
    generic(drug(620007128, 2080, oral, "ランソプラゾールカプセル３０ｍｇ「トーワ」")),
    brand_with_generic(drug(610443014, 2850, oral, "リピトール錠１０ｍｇ")),
    generic(drug(622921401, 1100, oral, "アトルバスタチン錠１０ｍｇ「ＶＴＲＳ」")),
    brand_with_generic(drug(620002478, 3630, oral, "クレストール錠５ｍｇ")),
    generic(drug(622605301, 1010, oral, "ロスバスタチン錠５ｍｇ「ＥＥ」")),
    drug(622784701, 1010, oral, "メトホルミン塩酸塩錠５００ｍｇＭＴ「ＤＳＰＢ」"),
    generic(drug(610463198, 570, oral, "マグミット錠３３０ｍｇ")),
    generic(drug(620002023, 670, oral, "カロナール錠２００")),
    generic(drug(620005607, 1010, oral, "リスペリドン錠１ｍｇ「サワイ」")),
    brand_with_generic(drug(610409340, 1420, oral, "リスパダール錠１ｍｇ")),
    generic(drug(622697601, 1330, oral, "プレガバリンＯＤ錠７５ｍｇ「杏林」")),
    drug(622703201, 8270, oral, "デエビゴ錠５ｍｇ"),
    generic(drug(613130595, 1010, oral, "メチコバール錠５００μｇ")),
    generic(drug(622603801, 510, oral, "センノシド錠１２ｍｇ「ホリイ」")),
    psychotropic(generic(drug(620148502, 640, oral, "エチゾラム錠０．５ｍｇ「日医工」"))),
    psychotropic(brand_with_generic(drug(611170513, 920, oral, "デパス錠０．５ｍｇ"))),
    psychotropic(brand_with_generic(drug(610443047, 2060, oral, "マイスリー錠５ｍｇ"))),
    psychotropic(generic(drug(620002807, 1010, oral, "ブロチゾラム錠０．２５ｍｇ「ＹＤ」"))),
    psychotropic(brand_with_generic(drug(620004625, 1250, oral, "レンドルミン錠０．２５ｍｇ"))),
    psychotropic(generic(drug(620037601, 590, oral, "トリアゾラム錠０．２５ｍｇ「ＴＣＫ」"))),
    psychotropic(brand_with_generic(drug(611120055, 880, oral, "ハルシオン０．２５ｍｇ錠"))),
    psychotropic(generic(drug(620003151, 570, oral, "ジアゼパム錠２ｍｇ「アメル」"))),
    psychotropic(generic(drug(620049401, 570, oral, "ロラゼパム錠１ｍｇ「サワイ」"))),
    psychotropic(brand_with_generic(drug(611170470, 590, oral, "ワイパックス錠０．５"))),
    psychotropic(generic(drug(620049901, 570, oral, "アルプラゾラム錠０．４ｍｇ「サワイ」"))),
    psychotropic(brand_with_generic(drug(611170508, 590, oral, "ソラナックス０．４ｍｇ錠"))),
    psychotropic(generic(drug(610444126, 570, oral, "フルニトラゼパム錠１ｍｇ「アメル」"))),
  };
  c.pain_relief = {
    brand_with_generic(drug(620098801, 1010, oral, "ロキソニン錠６０ｍｇ")),
    generic(drug(620100901, 980, oral, "ロキソプロフェンナトリウム錠６０ｍｇ「日医工」")),
    generic(drug(620002023, 670, oral, "カロナール錠２００")),
  };
  const auto topical = dosage_form::topical;
  c.topical_drugs = {
    brand_with_generic(drug(620007812, 1290, topical, "ロキソニンテープ５０ｍｇ", 14000)),
    generic(drug(620004799, 1230, topical, "ケトプロフェンテープ２０ｍｇ「日医工」", 14000)),
    brand_with_generic(drug(620007805, 1930, topical, "モーラステープ２０ｍｇ", 14000)),
    brand_with_generic(drug(620009048, 1850, topical, "ヒルドイドソフト軟膏０．３％", 25000, false)),
  };
  const auto injection = dosage_form::injection;
  c.injection_drugs = {
    drug(643310187, 23600, injection, "生理食塩液　５００ｍＬ"),
    drug(640412105, 14700, injection, "生理食塩液　１００ｍＬ"),
    drug(620004427, 47200, injection, "タケプロン静注用３０ｍｇ"),
    drug(620002923, 14600, injection, "ガスター注射液２０ｍｇ　２ｍＬ"),
    drug(643130224, 9800, injection, "メチコバール注射液５００μｇ"),
    drug(620008893, 146100, injection, "ノボラピッド注　フレックスペン　３００単位"),
    drug(643310190, 6200, injection, "大塚生食注　２０ｍＬ"),
  };
  c.materials = {
    material_item{733300000, 8800, 1000, 0, "胃管カテーテル（シングルルーメン）"},
    material_item{710010158, 23300, 1000, 0, "膀胱留置用ディスポーザブルカテーテル（２管一般（１））"},
  };
  // 0.19 yen per litre, 300 litres a day.
  c.oxygen = material_item{739200000, 19, 300000, 37, "液体酸素・定置式液化酸素貯槽（ＣＥ）"};

  // Codes as in b_20240601.
  c.diseases = {
    disease(8833421, "高血圧症", "I10", true), disease(2500015, "２型糖尿病", "E11", true),
    disease(8844446, "脂質異常症", "E785", true), disease(8840829, "腰痛症", "M5456", true),
    disease(7153018, "変形性膝関節症", "M171", true), disease(5351003, "慢性胃炎", "K295", true),
    disease(5301002, "逆流性食道炎", "K210", true), disease(4939008, "気管支喘息", "J459", true),
    disease(8840042, "便秘症", "K590", true), disease(8844106, "慢性腎臓病", "N189", true),
    disease(4389014, "脳梗塞後遺症", "I693", true), disease(7330006, "骨粗鬆症", "M8199", true),
    disease(7906015, "高尿酸血症", "E790", true), disease(4139007, "狭心症", "I209", true),
    disease(4289018, "慢性心不全", "I509", true), disease(8840399, "慢性閉塞性肺疾患", "J449", true),
    disease(703025, "Ｃ型慢性肝炎", "B182", true), disease(7240012, "腰部脊柱管狭窄症", "M4806", true),
    disease(8841702, "統合失調症", "F209", true, true), disease(2961003, "うつ病", "F329", true, true),
    disease(8839792, "不眠症", "G470", true, true), disease(8830330, "アルコール依存症", "F102", true, true),
    disease(3000010, "不安神経症", "F411", true, true), disease(8842517, "双極性感情障害", "F319", true, true),
    disease(8842549, "アルツハイマー型認知症", "G309", true, true),
    disease(4659007, "急性上気道炎", "J069", false), disease(91009, "急性胃腸炎", "A099", false),
    disease(4860030, "肺炎", "J189", false), disease(539013, "帯状疱疹", "B029", false),
    disease(4779004, "アレルギー性鼻炎", "J304", false),
    disease(8843836, "う蝕", "K029", false, false, true), disease(5234016, "慢性歯周炎", "K053", false, false, true),
    disease(5231018, "歯肉炎", "K051", false, false, true), disease(5220063, "歯髄炎", "K040", false, false, true),
    disease(8833899, "根尖性歯周炎", "K045", false, false, true),
  };
  // Comment codes as in c_ALL20230801: 810000001 takes free text, 820xxxxxx none.
  c.comments = {
    comment_item{810000001, "他院にて処方あり"}, comment_item{810000001, "残薬調整のため日数調整"},
    comment_item{810000001, "疼痛時"}, comment_item{810000001, "就寝前"},
    comment_item{820100741, ""}, comment_item{820100744, ""}, comment_item{820100742, ""},
  };
  c.dpc_groups = {
    dpc_group{"040080xx99x0xx", 4860030, "J189", {3400, 2500, 2100}, {5, 10, 30}},
    dpc_group{"050130xx9900xx", 4289018, "I509", {3000, 2200, 1880}, {8, 17, 60}},
    dpc_group{"010060xx99x20x", 8838708, "I639", {3100, 2300, 1950}, {7, 16, 60}},
    dpc_group{"160800xx01xxxx", 8208009, "S7200", {3300, 2450, 2080}, {9, 19, 60}},
    dpc_group{"100070xx99x100", 2500015, "E11", {2800, 2050, 1740}, {5, 11, 60}},
    dpc_group{"040120xx99000x", 8840399, "J449", {2900, 2150, 1830}, {6, 13, 60}},
  };

  // 歯科 (2024 点数表 values from public sources; the three 31x/310 codes and
  // their 診療識別 are those of the ORCA 歯科 sample).
  c.dental_first_visit = proc(301000110, 267, 11, "歯科初診料");
  c.dental_revisit = proc(301001610, 58, 12, "歯科再診料");
  c.dental_management = proc(302000110, 100, 13, "歯科疾患管理料");
  c.dental_procedures = {
    proc(302000610, 80, 13, "歯科衛生実地指導料１"),
    proc(304000510, 110, 31, "歯周基本検査（１０歯以上２０歯未満）"),
    proc(309004810, 72, 41, "歯周基本治療（スケーリング）"),
    proc(309011410, 72, 41, "機械的歯面清掃処置"),
    proc(310000310, 265, 43, ""),
    proc(313002010, 126, 61, ""),
    proc(313024410, 185, 62, ""),
  };
  c.dental_film = material_item{700720000, 22600, 1000, 0, "画像記録用フィルム（半切）（２分割）"};

  // 調剤 (2024 点数表; codes as in the worked example and public 調剤 sources).
  c.pharmacy_base = proc(410004110, 45, 0, "調剤基本料１");
  c.medication_guidance = proc(440012010, 45, 0, "服薬管理指導料１");
  c.preparation_oral = proc(420001810, 24, 0, "薬剤調製料（内服薬）");
  c.preparation_as_needed = proc(420002410, 21, 0, "薬剤調製料（屯服薬）");
  c.preparation_topical = proc(420002510, 10, 0, "薬剤調製料（外用薬）");
  c.psychotropic_bonus = proc(430000370, 8, 0, "向精神薬加算（内服）");
  c.dispensing_management[0] = proc(440011510, 4, 0, "調剤管理料（７日分以下）");
  c.dispensing_management[1] = proc(440011610, 28, 0, "調剤管理料（８日分以上１４日分以下）");
  c.dispensing_management[2] = proc(440011710, 50, 0, "調剤管理料（１５日分以上２８日分以下）");
  c.dispensing_management[3] = proc(440011810, 60, 0, "調剤管理料（２９日分以上）");
  c.dispensing_management_other = proc(440011910, 4, 0, "調剤管理料（内服薬以外）");
  return c;
}

} // namespace receptor::synth
