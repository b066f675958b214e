#include "receptor/uke/record_id.hpp"

#include <initializer_list>

namespace receptor::uke {

bool is_known(record_id id) {
  using namespace rec;
  for (auto known : {IR, RE, HO, KO, SN, JD, MF, GR, SY, SI, IY, TO, CO, SJ, TI, TR, TS, GO,
                     BU, SB, KK, SK, GA, HH, GT, CD, UK, HS, SS, YK, SH, CZ, TK, KI, ST,
                     MN, JY, EX, RC, ON})
    if (id == known)
      return true;
  return false;
}

} // namespace receptor::uke
