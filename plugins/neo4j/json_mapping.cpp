#include "json_mapping.hpp"

#include "temporal_text.hpp"
#include "time_zones.hpp"

#include <weir/sdk/base64.hpp>
#include <weir/sdk/error.hpp>

#include <cstdio>
#include <map>

namespace weir::neo4j {
namespace {

// Structure tags from the Bolt specification.
enum Tag : std::uint8_t {
  kNode = 0x4E,
  kRelationship = 0x52,
  kUnboundRelationship = 0x72,
  kPath = 0x50,
  kDate = 0x44,
  kTime = 0x54,
  kLocalTime = 0x74,
  kLocalDateTime = 0x64,
  kDateTimeUtc = 0x49,         // Bolt 5: UTC seconds, offset
  kDateTimeZoneUtc = 0x69,     // Bolt 5: UTC seconds, zone id
  kDateTimeLegacy = 0x46,      // Bolt 4: wall-clock seconds, offset
  kDateTimeZoneLegacy = 0x66,  // Bolt 4: wall-clock seconds, zone id
  kDuration = 0x45,
  kPoint2D = 0x58,
  kPoint3D = 0x59,
};

[[noreturn]] void bad_structure(const Structure& s, const char* why) {
  char tag[8];
  std::snprintf(tag, sizeof tag, "0x%02X", s.tag);
  throw sdk::Error(WEIR_E_BROKEN,
                   std::string("the server sent a malformed structure ") + tag + ": " + why, true);
}

template <class T>
const T& field(const Structure& s, std::size_t i) {
  if (i >= s.fields.size()) bad_structure(s, "too few fields");
  const T* v = s.fields[i].get_if<T>();
  if (v == nullptr) bad_structure(s, "a field has the wrong type");
  return *v;
}

std::int64_t int_field(const Structure& s, std::size_t i) { return field<std::int64_t>(s, i); }

double number_field(const Structure& s, std::size_t i) {
  if (i < s.fields.size()) {
    if (const auto* d = s.fields[i].get_if<double>()) return *d;
  }
  bad_structure(s, "a coordinate is not a float");
}

void expect_fields(const Structure& s, std::size_t a, std::size_t b) {
  if (s.fields.size() != a && s.fields.size() != b) bad_structure(s, "wrong number of fields");
}

// Element ids exist from Bolt 5; on 4.4 the numeric id stands in.
std::string element_id(const Structure& s, std::size_t i, std::int64_t id) {
  return i < s.fields.size() ? field<std::string>(s, i) : std::to_string(id);
}

void write_properties(const Structure& s, std::size_t i, sdk::ValueWriter& out) {
  out.key("properties");
  write_value(Value(field<Map>(s, i)), out);
}

void write_node(const Structure& s, sdk::ValueWriter& out) {
  expect_fields(s, 3, 4);
  const auto id = int_field(s, 0);
  out.begin_object();
  out.key("$node");
  out.begin_object();
  out.member("id", id);
  out.member("element_id", element_id(s, 3, id));
  out.key("labels");
  out.begin_array();
  for (const auto& label : field<List>(s, 1)) {
    const auto* text = label.get_if<std::string>();
    if (text == nullptr) bad_structure(s, "a label is not a string");
    out.string(*text);
  }
  out.end_array();
  write_properties(s, 2, out);
  out.end_object();
  out.end_object();
}

struct Endpoints {
  std::int64_t start, end;
  std::string start_element_id, end_element_id;
};

// A relationship with both ends known: a bound one carries them, an unbound
// one inside a path gets them from its position.
void write_relationship(const Structure& s, const Endpoints* known, sdk::ValueWriter& out) {
  const bool bound = s.tag == kRelationship;
  if (bound)
    expect_fields(s, 5, 8);
  else
    expect_fields(s, 3, 4);
  const auto id = int_field(s, 0);
  Endpoints ends;
  if (bound) {
    ends = {int_field(s, 1), int_field(s, 2), element_id(s, 6, int_field(s, 1)),
            element_id(s, 7, int_field(s, 2))};
  } else {
    ends = *known;
  }
  out.begin_object();
  out.key("$relationship");
  out.begin_object();
  out.member("id", id);
  out.member("element_id", element_id(s, bound ? 5 : 3, id));
  out.member("type", field<std::string>(s, bound ? 3 : 1));
  out.member("start", ends.start);
  out.member("start_element_id", ends.start_element_id);
  out.member("end", ends.end);
  out.member("end_element_id", ends.end_element_id);
  write_properties(s, bound ? 4 : 2, out);
  out.end_object();
  out.end_object();
}

// A path arrives as distinct nodes, distinct unbound relationships and a
// walk of (relationship index, node index) pairs; a negative relationship
// index means it is traversed against its direction.
void write_path(const Structure& s, sdk::ValueWriter& out) {
  expect_fields(s, 3, 3);
  const auto& nodes = field<List>(s, 0);
  const auto& rels = field<List>(s, 1);
  const auto& walk = field<List>(s, 2);
  if (nodes.empty() || walk.size() % 2 != 0) bad_structure(s, "path walk is inconsistent");
  auto node_at = [&](std::int64_t i) -> const Structure& {
    if (i < 0 || static_cast<std::size_t>(i) >= nodes.size())
      bad_structure(s, "path node index out of range");
    const auto* n = nodes[static_cast<std::size_t>(i)].get_if<Structure>();
    if (n == nullptr || n->tag != kNode) bad_structure(s, "path node is not a node");
    expect_fields(*n, 3, 4);
    return *n;
  };
  std::vector<std::int64_t> order{0};
  for (std::size_t i = 0; i < walk.size(); i += 2) {
    const auto* node_index = walk[i + 1].get_if<std::int64_t>();
    if (node_index == nullptr) bad_structure(s, "path index is not an integer");
    order.push_back(*node_index);
  }
  out.begin_object();
  out.key("$path");
  out.begin_object();
  out.key("nodes");
  out.begin_array();
  for (auto i : order) write_node(node_at(i), out);
  out.end_array();
  out.key("relationships");
  out.begin_array();
  for (std::size_t i = 0; i < walk.size(); i += 2) {
    const auto* rel_index = walk[i].get_if<std::int64_t>();
    if (rel_index == nullptr || *rel_index == 0)
      bad_structure(s, "path relationship index is invalid");
    const auto r = *rel_index > 0 ? *rel_index : -*rel_index;
    if (static_cast<std::size_t>(r) > rels.size())
      bad_structure(s, "path relationship index out of range");
    const auto* rel = rels[static_cast<std::size_t>(r - 1)].get_if<Structure>();
    if (rel == nullptr || rel->tag != kUnboundRelationship)
      bad_structure(s, "path relationship is not unbound");
    const auto& prev = node_at(order[i / 2]);
    const auto& next = node_at(order[i / 2 + 1]);
    const Structure& from = *rel_index > 0 ? prev : next;
    const Structure& to = *rel_index > 0 ? next : prev;
    const Endpoints ends{int_field(from, 0), int_field(to, 0),
                         element_id(from, 3, int_field(from, 0)),
                         element_id(to, 3, int_field(to, 0))};
    write_relationship(*rel, &ends, out);
  }
  out.end_array();
  out.end_object();
  out.end_object();
}

void write_tagged(std::string_view marker, const std::string& text, sdk::ValueWriter& out) {
  out.begin_object();
  out.member(marker, text);
  out.end_object();
}

// A zoned DateTime in one form whatever the Bolt version (RFC 9557): wall
// clock, offset and zone, "2024-07-01T10:00:00+02:00[Europe/Paris]".
std::string zoned_datetime_text(std::int64_t utc_seconds, std::int64_t nanos,
                                const std::string& zone) {
  const auto offset = time_zones::offset_at_instant(zone, utc_seconds);
  // A zone our database does not know: the instant, in RFC 9557's "local offset unknown" form.
  if (!offset) return temporal::format_local_datetime(utc_seconds, nanos) + "Z[" + zone + "]";
  return temporal::format_local_datetime(utc_seconds + *offset, nanos) +
         temporal::format_offset(*offset, false) + "[" + zone + "]";
}

void write_structure(const Structure& s, sdk::ValueWriter& out) {
  constexpr std::int64_t kNanos = 1'000'000'000;
  switch (s.tag) {
    case kNode:
      return write_node(s, out);
    case kRelationship:
      return write_relationship(s, nullptr, out);
    case kPath:
      return write_path(s, out);
    case kDate:
      expect_fields(s, 1, 1);
      return write_tagged("$date", temporal::format_date(int_field(s, 0)), out);
    case kTime:
      expect_fields(s, 2, 2);
      return write_tagged(
          "$time",
          temporal::format_time(int_field(s, 0)) + temporal::format_offset(int_field(s, 1)), out);
    case kLocalTime:
      expect_fields(s, 1, 1);
      return write_tagged("$localtime", temporal::format_time(int_field(s, 0)), out);
    case kLocalDateTime:
      expect_fields(s, 2, 2);
      return write_tagged("$localdatetime",
                          temporal::format_local_datetime(int_field(s, 0), int_field(s, 1)), out);
    case kDateTimeUtc:
    case kDateTimeLegacy: {
      expect_fields(s, 3, 3);
      const auto offset = int_field(s, 2);
      const auto wall = s.tag == kDateTimeUtc ? int_field(s, 0) + offset : int_field(s, 0);
      return write_tagged(
          "$datetime",
          temporal::format_local_datetime(wall, int_field(s, 1)) + temporal::format_offset(offset),
          out);
    }
    case kDateTimeZoneUtc:
      expect_fields(s, 3, 3);
      return write_tagged(
          "$datetime",
          zoned_datetime_text(int_field(s, 0), int_field(s, 1), field<std::string>(s, 2)), out);
    case kDateTimeZoneLegacy: {
      expect_fields(s, 3, 3);
      const auto& zone = field<std::string>(s, 2);
      const auto instant = time_zones::instant_of_wall_clock(zone, int_field(s, 0));
      return write_tagged(
          "$datetime",
          instant
              ? zoned_datetime_text(*instant, int_field(s, 1), zone)
              // A zone our database does not know: the wall clock Bolt 4.4 sent, without offset.
              : temporal::format_local_datetime(int_field(s, 0), int_field(s, 1)) + "[" + zone +
                    "]",
          out);
    }
    case kDuration: {
      expect_fields(s, 4, 4);
      const auto nanos = int_field(s, 3);
      if (nanos < 0 || nanos >= kNanos) bad_structure(s, "duration nanoseconds out of range");
      return write_tagged(
          "$duration",
          temporal::format_duration({int_field(s, 0), int_field(s, 1), int_field(s, 2), nanos}),
          out);
    }
    case kPoint2D:
    case kPoint3D: {
      expect_fields(s, s.tag == kPoint2D ? 3 : 4, s.tag == kPoint2D ? 3 : 4);
      out.begin_object();
      out.key("$point");
      out.begin_object();
      out.member("srid", int_field(s, 0));
      out.key("x"), out.float64(number_field(s, 1));
      out.key("y"), out.float64(number_field(s, 2));
      if (s.tag == kPoint3D) out.key("z"), out.float64(number_field(s, 3));
      out.end_object();
      out.end_object();
      return;
    }
    default:
      bad_structure(s, "not a type Bolt defines in results");
  }
}

// ---- parameters ------------------------------------------------------------

[[noreturn]] void bad_param(const std::string& path, const std::string& why) {
  throw sdk::Error(WEIR_E_INVALID_REQUEST, path + ": " + why);
}

std::string text_of(const boost::json::value& v, const std::string& path, const char* marker) {
  if (!v.is_string()) bad_param(path, std::string(marker) + " must be a string");
  return std::string(v.get_string());
}

std::int64_t int_of(const boost::json::object& o, std::string_view key, const std::string& path) {
  const auto* v = o.if_contains(key);
  if (v != nullptr && v->is_int64()) return v->get_int64();
  if (v != nullptr && v->is_uint64() && v->get_uint64() <= INT64_MAX)
    return static_cast<std::int64_t>(v->get_uint64());
  bad_param(path + "." + std::string(key), "must be an integer");
}

double double_of(const boost::json::object& o, std::string_view key, const std::string& path) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_number()) bad_param(path + "." + std::string(key), "must be a number");
  return v->to_number<double>();
}

const boost::json::object& object_of(const boost::json::value& v, const std::string& path,
                                     const char* marker) {
  if (!v.is_object()) bad_param(path, std::string(marker) + " must be an object");
  return v.get_object();
}

Value point_from(const boost::json::object& o, const std::string& path) {
  for (const auto& m : o) {
    if (m.key() != "srid" && m.key() != "x" && m.key() != "y" && m.key() != "z") {
      bad_param(path, "$point accepts srid, x, y and z, not " + std::string(m.key()));
    }
  }
  Structure s{o.contains("z") ? kPoint3D : kPoint2D,
              {int_of(o, "srid", path), double_of(o, "x", path), double_of(o, "y", path)}};
  if (o.contains("z")) s.fields.emplace_back(double_of(o, "z", path));
  return s;
}

// Accepts the RFC 9557 form results use (wall clock, offset, zone) on every
// Bolt version, as well as "...Z[zone]" (an instant, local offset unknown) and
// "...[zone]" (a wall clock in the zone), and converts to the form the
// negotiated version carries: UTC seconds (Bolt 5) or wall-clock seconds (4.4).
Value zoned_datetime_from(const temporal::ZonedText& parts, const temporal::LocalDateTime& local,
                          const ParamOptions& options, const std::string& path) {
  const std::string zone(*parts.zone);
  std::optional<std::int64_t> instant;
  std::optional<std::int64_t> wall;
  if (parts.z) {
    instant = local.seconds;
    if (const auto offset = time_zones::offset_at_instant(zone, *instant))
      wall = *instant + *offset;
  } else if (parts.offset) {
    instant = local.seconds - *parts.offset;
    wall = local.seconds;
    const auto offset = time_zones::offset_at_instant(zone, *instant);
    if (offset && *offset != *parts.offset)
      bad_param(path, "$datetime's offset " + temporal::format_offset(*parts.offset, false) +
                          " is not " + zone + "'s offset at that time (" +
                          temporal::format_offset(*offset, false) + ")");
  } else {
    wall = local.seconds;
    instant = time_zones::instant_of_wall_clock(zone, local.seconds);
  }
  if (options.bolt5 ? !instant : !wall)
    bad_param(path, "$datetime's time zone \"" + zone +
                        "\" is not in the time-zone database; give the wall clock and its "
                        "offset, e.g. 2024-07-01T10:00:00+02:00[" +
                        zone + "]");
  return Structure{options.bolt5 ? kDateTimeZoneUtc : kDateTimeZoneLegacy,
                   {options.bolt5 ? *instant : *wall, local.nanos, zone}};
}

Value datetime_from(const std::string& text, const ParamOptions& options, const std::string& path) {
  const auto parts = temporal::split_zone(text);
  const auto local = parts ? temporal::parse_local_datetime(parts->local) : std::nullopt;
  if (!local)
    bad_param(path,
              "$datetime must be YYYY-MM-DDTHH:MM:SS[.n] followed by an offset and/or [zone]");
  if (parts->zone) return zoned_datetime_from(*parts, *local, options, path);
  if (!parts->offset)
    bad_param(path, "$datetime needs an offset or a [zone]; use $localdatetime for none");
  const auto seconds = options.bolt5 ? local->seconds - *parts->offset : local->seconds;
  return Structure{options.bolt5 ? kDateTimeUtc : kDateTimeLegacy,
                   {seconds, local->nanos, *parts->offset}};
}

Value time_from(const std::string& text, const std::string& path) {
  const auto mark = text.find_first_of("Z+-");
  const auto nanos = temporal::parse_time(std::string_view(text).substr(0, mark));
  const auto offset = mark == std::string::npos
                          ? std::nullopt
                          : temporal::parse_offset(std::string_view(text).substr(mark));
  if (!nanos || !offset) bad_param(path, "$time must be HH:MM:SS[.n] followed by Z or ±HH:MM");
  return Structure{kTime, {*nanos, *offset}};
}

Value graph_from(std::string_view marker, const boost::json::value& body,
                 const ParamOptions& options, const std::string& path);

// The typed forms: single-member objects whose key is one of the markers.
std::optional<Value> typed_from(const boost::json::object& o, const ParamOptions& options,
                                const std::string& path) {
  if (o.size() != 1) return std::nullopt;
  const auto& [key, body] = *o.begin();
  const std::string p = path + "." + std::string(key);
  if (key == "$base64") {
    auto bytes = sdk::base64_decode(text_of(body, p, "$base64"));
    if (!bytes) bad_param(p, "is not valid base64");
    return Value(Bytes{std::move(*bytes)});
  }
  if (key == "$date") {
    const auto d = temporal::parse_date(text_of(body, p, "$date"));
    if (!d) bad_param(p, "$date must be YYYY-MM-DD");
    return Value(Structure{kDate, {*d}});
  }
  if (key == "$time") return time_from(text_of(body, p, "$time"), p);
  if (key == "$localtime") {
    const auto t = temporal::parse_time(text_of(body, p, "$localtime"));
    if (!t) bad_param(p, "$localtime must be HH:MM:SS[.n]");
    return Value(Structure{kLocalTime, {*t}});
  }
  if (key == "$localdatetime") {
    const auto t = temporal::parse_local_datetime(text_of(body, p, "$localdatetime"));
    if (!t) bad_param(p, "$localdatetime must be YYYY-MM-DDTHH:MM:SS[.n]");
    return Value(Structure{kLocalDateTime, {t->seconds, t->nanos}});
  }
  if (key == "$datetime") return datetime_from(text_of(body, p, "$datetime"), options, p);
  if (key == "$duration") {
    const auto d = temporal::parse_duration(text_of(body, p, "$duration"));
    if (!d) bad_param(p, "$duration must be ISO-8601, e.g. P1M2DT3.5S");
    return Value(Structure{kDuration, {d->months, d->days, d->seconds, d->nanos}});
  }
  if (key == "$point") return point_from(object_of(body, p, "$point"), p);
  if (key == "$node" || key == "$relationship" || key == "$path") {
    if (!options.graph_types)
      bad_param(p, "nodes, relationships and paths cannot be sent as parameters");
    return graph_from(key, body, options, p);
  }
  return std::nullopt;
}

std::vector<std::string> labels_of(const boost::json::object& o, const std::string& path) {
  const auto* v = o.if_contains("labels");
  if (v == nullptr || !v->is_array()) bad_param(path + ".labels", "must be an array of strings");
  std::vector<std::string> out;
  for (const auto& l : v->get_array()) {
    if (!l.is_string()) bad_param(path + ".labels", "must be an array of strings");
    out.emplace_back(l.get_string());
  }
  return out;
}

std::string string_of(const boost::json::object& o, std::string_view key, const std::string& path) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) bad_param(path + "." + std::string(key), "must be a string");
  return std::string(v->get_string());
}

Map properties_of(const boost::json::object& o, const ParamOptions& options,
                  const std::string& path) {
  const auto* v = o.if_contains("properties");
  if (v == nullptr) return {};
  return map_from_json(object_of(*v, path + ".properties", "properties"), options,
                       path + ".properties");
}

Structure node_from(const boost::json::object& o, const ParamOptions& options,
                    const std::string& path) {
  List labels;
  for (auto& l : labels_of(o, path)) labels.emplace_back(std::move(l));
  Structure s{kNode, {int_of(o, "id", path), std::move(labels), properties_of(o, options, path)}};
  if (options.bolt5) s.fields.emplace_back(string_of(o, "element_id", path));
  return s;
}

Structure relationship_from(const boost::json::object& o, const ParamOptions& options,
                            const std::string& path, bool bound) {
  Structure s{bound ? kRelationship : kUnboundRelationship, {int_of(o, "id", path)}};
  if (bound) s.fields.insert(s.fields.end(), {int_of(o, "start", path), int_of(o, "end", path)});
  s.fields.emplace_back(string_of(o, "type", path));
  s.fields.emplace_back(properties_of(o, options, path));
  if (options.bolt5) {
    s.fields.emplace_back(string_of(o, "element_id", path));
    if (bound) {
      s.fields.emplace_back(string_of(o, "start_element_id", path));
      s.fields.emplace_back(string_of(o, "end_element_id", path));
    }
  }
  return s;
}

// Rebuilds Bolt's compact path (distinct nodes and relationships plus a
// walk of indices) from the node sequence and the relationships between them.
Structure path_from(const boost::json::object& o, const ParamOptions& options,
                    const std::string& path) {
  const auto* nodes = o.if_contains("nodes");
  const auto* rels = o.if_contains("relationships");
  if (nodes == nullptr || !nodes->is_array() || nodes->get_array().empty())
    bad_param(path + ".nodes", "must be a non-empty array");
  if (rels == nullptr || !rels->is_array() ||
      rels->get_array().size() + 1 != nodes->get_array().size()) {
    bad_param(path + ".relationships", "must hold one relationship fewer than nodes");
  }
  List distinct_nodes, distinct_rels, walk;
  std::map<std::int64_t, std::int64_t> node_index, rel_index;
  std::vector<std::int64_t> sequence;
  for (std::size_t i = 0; i < nodes->get_array().size(); ++i) {
    const auto p = path + ".nodes[" + std::to_string(i) + "]";
    const auto& n =
        object_of(object_of(nodes->get_array()[i], p, "a path node").at("$node"), p, "$node");
    const auto id = int_of(n, "id", p);
    if (node_index.emplace(id, distinct_nodes.size()).second)
      distinct_nodes.emplace_back(node_from(n, options, p));
    sequence.push_back(id);
  }
  for (std::size_t i = 0; i < rels->get_array().size(); ++i) {
    const auto p = path + ".relationships[" + std::to_string(i) + "]";
    const auto& r =
        object_of(object_of(rels->get_array()[i], p, "a path relationship").at("$relationship"), p,
                  "$relationship");
    const auto id = int_of(r, "id", p);
    if (rel_index.emplace(id, distinct_rels.size() + 1).second) {
      distinct_rels.emplace_back(relationship_from(r, options, p, false));
    }
    const bool forward = int_of(r, "start", p) == sequence[i];
    walk.emplace_back(forward ? rel_index[id] : -rel_index[id]);
    walk.emplace_back(node_index[sequence[i + 1]]);
  }
  return Structure{kPath, {std::move(distinct_nodes), std::move(distinct_rels), std::move(walk)}};
}

Value graph_from(std::string_view marker, const boost::json::value& body,
                 const ParamOptions& options, const std::string& path) {
  const auto& o = object_of(body, path, "a graph value");
  if (marker == "$node") return node_from(o, options, path);
  if (marker == "$relationship") return relationship_from(o, options, path, true);
  return path_from(o, options, path);
}

}  // namespace

void write_value(const Value& value, sdk::ValueWriter& out) {
  struct Visitor {
    sdk::ValueWriter& out;
    void operator()(std::nullptr_t) { out.null(); }
    void operator()(bool b) { out.boolean(b); }
    void operator()(std::int64_t i) { out.int64(i); }
    void operator()(double d) { out.float64(d); }
    void operator()(const std::string& s) { out.string(s); }
    void operator()(const Bytes& b) { out.bytes(b.data.data(), b.data.size()); }
    void operator()(const List& l) {
      out.begin_array();
      for (const auto& v : l) write_value(v, out);
      out.end_array();
    }
    void operator()(const Map& m) {
      out.begin_object();
      for (const auto& [k, v] : m) out.key(k), write_value(v, out);
      out.end_object();
    }
    void operator()(const Structure& s) { write_structure(s, out); }
  };
  std::visit(Visitor{out}, value.v);
}

Value value_from_json(const boost::json::value& json, const ParamOptions& options,
                      const std::string& path) {
  switch (json.kind()) {
    case boost::json::kind::null:
      return nullptr;
    case boost::json::kind::bool_:
      return json.get_bool();
    case boost::json::kind::int64:
      return json.get_int64();
    case boost::json::kind::uint64:
      if (json.get_uint64() > INT64_MAX) bad_param(path, "integer does not fit in 64 signed bits");
      return static_cast<std::int64_t>(json.get_uint64());
    case boost::json::kind::double_:
      return json.get_double();
    case boost::json::kind::string:
      return std::string(json.get_string());
    case boost::json::kind::array: {
      List l;
      l.reserve(json.get_array().size());
      std::size_t i = 0;
      for (const auto& v : json.get_array())
        l.push_back(value_from_json(v, options, path + "[" + std::to_string(i++) + "]"));
      return l;
    }
    case boost::json::kind::object: {
      if (auto typed = typed_from(json.get_object(), options, path)) return std::move(*typed);
      return map_from_json(json.get_object(), options, path);
    }
  }
  bad_param(path, "unsupported JSON value");
}

Map map_from_json(const boost::json::object& json, const ParamOptions& options,
                  const std::string& path) {
  Map m;
  m.reserve(json.size());
  for (const auto& [k, v] : json)
    m.emplace_back(std::string(k), value_from_json(v, options, path + "." + std::string(k)));
  return m;
}

}  // namespace weir::neo4j
