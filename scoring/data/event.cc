#include "scoring/data/event.h"

namespace rr::scoring::data {

std::string_view toString(Event::Type type) {
  switch (type) {
    case Event::Type::kSearch:
      return "search";
    case Event::Type::kView:
      return "view";
    case Event::Type::kClick:
      return "click";
    case Event::Type::kCart:
      return "cart";
    case Event::Type::kPurchase:
      return "purchase";
  }
  return "search";
}

std::optional<Event::Type> parseEventType(std::string_view text) {
  if (text == "search") return Event::Type::kSearch;
  if (text == "view") return Event::Type::kView;
  if (text == "click") return Event::Type::kClick;
  if (text == "cart") return Event::Type::kCart;
  if (text == "purchase") return Event::Type::kPurchase;
  return std::nullopt;
}

}  // namespace rr::scoring::data
