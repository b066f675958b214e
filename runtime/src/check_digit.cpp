#include "receptor/check_digit.hpp"

namespace receptor {

int check_digit(std::string_view body) {
  if (body.empty())
    return -1;
  int sum = 0;
  int weight = 2; // the rightmost digit of the body gets weight 2
  for (auto i = body.size(); i-- > 0;) {
    char c = body[i];
    if (c < '0' || c > '9')
      return -1;
    int p = (c - '0') * weight;
    sum += p / 10 + p % 10;
    weight = 3 - weight;
  }
  return (10 - sum % 10) % 10;
}

bool check_digit_ok(std::string_view number) {
  while (!number.empty() && number.front() == ' ')
    number.remove_prefix(1);
  if (number.size() < 2)
    return false;
  char last = number.back();
  if (last < '0' || last > '9')
    return false;
  return check_digit(number.substr(0, number.size() - 1)) == last - '0';
}

} // namespace receptor
