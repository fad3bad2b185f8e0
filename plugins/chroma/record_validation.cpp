#include "record_validation.hpp"

#include <cfloat>
#include <cmath>
#include <string>
#include <unordered_set>

namespace weir::chroma {
namespace {

std::string at(std::string_view field, std::size_t i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

void check_length(const RequestReader& request, std::string_view field,
                  const boost::json::array& column, std::size_t ids) {
  if (column.size() != ids) {
    request.fail(field, "has " + std::to_string(column.size()) + " entries but \"ids\" has " +
                            std::to_string(ids) + "; give one per id");
  }
}

void check_strings_or_null(const RequestReader& request, std::string_view field,
                           const boost::json::array& column) {
  for (std::size_t i = 0; i < column.size(); ++i) {
    if (!column[i].is_string() && !column[i].is_null())
      request.fail(at(field, i), "must be a string or null");
  }
}

void check_metadata(const RequestReader& request, const std::string& field,
                    const boost::json::object& metadata, bool null_values_allowed) {
  for (const auto& [key, value] : metadata) {
    if (key.starts_with("chroma:")) {
      request.fail(field, "uses the key \"" + std::string(key) +
                              "\"; keys starting with \"chroma:\" are reserved by Chroma");
    }
    const bool scalar = value.is_string() || value.is_number() || value.is_bool();
    if (!scalar && !(null_values_allowed && value.is_null())) {
      request.fail(field + "." + std::string(key),
                   null_values_allowed
                       ? "must be a string, number, boolean or null (null removes the key)"
                       : "must be a string, number or boolean");
    }
  }
}

void check_metadatas(const RequestReader& request, const boost::json::array& metadatas,
                     bool null_values_allowed) {
  for (std::size_t i = 0; i < metadatas.size(); ++i) {
    if (metadatas[i].is_null()) continue;
    if (!metadatas[i].is_object()) request.fail(at("metadatas", i), "must be an object or null");
    check_metadata(request, at("metadatas", i), metadatas[i].get_object(), null_values_allowed);
  }
}

}  // namespace

void check_ids(const RequestReader& request, std::string_view field,
               const boost::json::array& ids) {
  if (ids.empty()) request.fail(field, "must be a non-empty array of strings");
  std::unordered_set<std::string_view> seen;
  std::string duplicates;
  std::size_t duplicate_count = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!ids[i].is_string() || ids[i].get_string().empty()) {
      request.fail(at(field, i), "must be a non-empty string");
    }
    const std::string_view id = ids[i].get_string();
    if (!seen.insert(id).second && ++duplicate_count <= 5) {
      duplicates += (duplicates.empty() ? "" : ", ") + std::string(id);
    }
  }
  if (duplicate_count > 0) {
    request.fail(field, "must be unique, but has duplicates of " + duplicates +
                            (duplicate_count > 5 ? " (and more)" : ""));
  }
}

void check_embeddings(const RequestReader& request, std::string_view field,
                      const boost::json::array& embeddings) {
  std::size_t dimension = 0;
  for (std::size_t i = 0; i < embeddings.size(); ++i) {
    const auto* vector = embeddings[i].if_array();
    if (vector == nullptr || vector->empty())
      request.fail(at(field, i), "must be a non-empty array of numbers");
    if (i == 0) dimension = vector->size();
    if (vector->size() != dimension) {
      request.fail(at(field, i), "has dimension " + std::to_string(vector->size()) + ", but " +
                                     at(field, 0) + " has " + std::to_string(dimension));
    }
    for (std::size_t j = 0; j < vector->size(); ++j) {
      const auto& x = (*vector)[j];
      if (!x.is_number())
        request.fail(at(field, i) + "[" + std::to_string(j) + "]", "must be a number");
      const double d = x.to_number<double>();
      if (!std::isfinite(d) || std::fabs(d) > FLT_MAX) {
        request.fail(at(field, i) + "[" + std::to_string(j) + "]",
                     "is outside the float32 range Chroma stores (|x| <= 3.4e38)");
      }
    }
  }
}

RecordColumns read_record_columns(const RequestReader& request, bool for_update) {
  request.allow_only({"collection", "ids", "embeddings", "documents", "metadatas", "uris"});
  RecordColumns c;
  c.ids = &request.required_array("ids");
  check_ids(request, "ids", *c.ids);
  c.embeddings =
      for_update ? request.optional_array("embeddings") : &request.required_array("embeddings");
  c.documents = request.optional_array("documents");
  c.metadatas = request.optional_array("metadatas");
  c.uris = request.optional_array("uris");
  const std::size_t n = c.ids->size();
  if (c.embeddings != nullptr) {
    check_length(request, "embeddings", *c.embeddings, n);
    check_embeddings(request, "embeddings", *c.embeddings);
  }
  if (c.documents != nullptr) {
    check_length(request, "documents", *c.documents, n);
    check_strings_or_null(request, "documents", *c.documents);
  }
  if (c.uris != nullptr) {
    check_length(request, "uris", *c.uris, n);
    check_strings_or_null(request, "uris", *c.uris);
  }
  if (c.metadatas != nullptr) {
    check_length(request, "metadatas", *c.metadatas, n);
    check_metadatas(request, *c.metadatas, for_update);
  }
  return c;
}

void check_filter(const RequestReader& request, std::string_view field) {
  const auto* filter = request.optional_object(field);
  if (filter != nullptr && filter->size() != 1) {
    request.fail(field, "must have exactly one key; combine conditions with {\"$and\": [...]}");
  }
}

void check_include(const RequestReader& request, std::initializer_list<std::string_view> allowed) {
  const auto* include = request.optional_array("include");
  if (include == nullptr) return;
  std::string list;
  for (const auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  for (std::size_t i = 0; i < include->size(); ++i) {
    bool known = false;
    if ((*include)[i].is_string()) {
      for (const auto a : allowed) known = known || (*include)[i].get_string() == a;
    }
    if (!known) request.fail(at("include", i), "must be one of " + list);
  }
}

}  // namespace weir::chroma
