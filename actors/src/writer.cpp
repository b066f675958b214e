#include "receptor/actors/actors.hpp"

namespace receptor::actors {

caf::behavior writer(caf::event_based_actor*) {
  return {
    [](write_atom, write_request& request) -> caf::result<bool> {
      if (auto err = store::write_results(request.path, std::move(request.output)))
        return caf::make_error(caf::sec::runtime_error, err.message);
      return true;
    },
  };
}

} // namespace receptor::actors
