// The checks the official Chroma clients make before sending (and a few the
// server forgets, such as float range), so a caller gets a precise
// WEIR_E_INVALID_REQUEST instead of a silently stored surprise: the server
// itself accepts duplicate ids in one batch and stores out-of-range floats as
// infinities that read back as null.
#pragma once

#include "request_reader.hpp"

#include <boost/json.hpp>

#include <cstddef>
#include <initializer_list>
#include <string_view>

namespace weir::chroma {

// The columns of an add / upsert / update, validated: every present column
// has one entry per id. Pointers refer into the request; null when absent.
struct RecordColumns {
  const boost::json::array* ids = nullptr;
  const boost::json::array* embeddings = nullptr;
  const boost::json::array* documents = nullptr;
  const boost::json::array* metadatas = nullptr;
  const boost::json::array* uris = nullptr;
};

// `for_update`: embeddings optional, and a null metadata value deletes that key.
RecordColumns read_record_columns(const RequestReader& request, bool for_update);

// Non-empty, unique, non-empty strings.
void check_ids(const RequestReader& request, std::string_view field, const boost::json::array& ids);

// Non-empty arrays of finite float32-range numbers, all of one dimension.
void check_embeddings(const RequestReader& request, std::string_view field,
                      const boost::json::array& embeddings);

// where / where_document: exactly one top-level key (the server says only
// "Invalid where clause" for two keys side by side).
void check_filter(const RequestReader& request, std::string_view field);

// include: an array of the values allowed for this operation.
void check_include(const RequestReader& request, std::initializer_list<std::string_view> allowed);

}  // namespace weir::chroma
