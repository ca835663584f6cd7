// Judging applications: conditions (three-valued), amount terms, quota and envelope in order,
// programme targets and published-total checks.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "grants_impl.hpp"
#include "oasis/core/code_insee.hpp"
#include "oasis/core/error.hpp"
#include "oasis/io/csv.hpp"

namespace oasis::grants {
namespace {

using json = nlohmann::ordered_json;
using Op = Test::Op;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string num(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
  return fmt::format("{:.2f}", v);
}

struct Val {
  enum class T : std::uint8_t { none, num, text, list, flag, bands } t = T::none;
  double num = 0;
  std::string text;
  std::vector<std::string> list;
  bool flag = false;
  const std::vector<std::pair<double, double>>* bands = nullptr;
  std::string why;  // none: the reason

  static Val unknown(std::string why) {
    Val v;
    v.why = std::move(why);
    return v;
  }
  static Val number(double x) {
    Val v;
    v.t = T::num;
    v.num = x;
    return v;
  }
  static Val str(std::string s) {
    Val v;
    v.t = T::text;
    v.text = std::move(s);
    return v;
  }
  bool known() const { return t != T::none; }
  std::string shown() const {
    switch (t) {
      case T::none: return "unknown";
      case T::num: return grants::num(num);
      case T::text: return text;
      case T::list: return fmt::format("[{}]", fmt::join(list, ", "));
      case T::flag: return flag ? "true" : "false";
      case T::bands: return "band table";
    }
    return {};
  }
};

std::optional<bool> parse_flag(std::string_view s) {
  const auto l = lower(io::trim(s));
  if (l == "1" || l == "oui" || l == "yes" || l == "true" || l == "o" || l == "y" || l == "vrai") return true;
  if (l == "0" || l == "non" || l == "no" || l == "false" || l == "n" || l == "faux") return false;
  return std::nullopt;
}

class Judge {
 public:
  Judge(const Scheme& s, const EvalContext& ctx, const std::vector<Faculty>& fac) : s_(s), ctx_(ctx), fac_(fac) {
    for (const auto& c : s_.conditions)
      for (const auto& t : c.tests) check_faculties(t.lhs);
    for (const auto& v : s_.values) check_faculties(v.operand);
  }

  std::set<std::string> unknown_params;

  /// Judges one application; `used` receives the keys of the facts the decision rests on.
  Decision judge(const Application& a, std::set<std::string>& used) {
    app_ = &a;
    cache_.clear();
    used_ = &used;
    Decision d;
    d.id = a.id;
    clauses_ = &d.clauses;
    bool any_no = false, any_unknown = false;
    // Validity period of the scheme.
    if (!s_.date_field.empty() && (!s_.info.valid_from.empty() || !s_.info.valid_to.empty())) {
      used.insert("validity");
      const auto& dt = field_text(s_.date_field);
      if (dt.empty()) {
        any_unknown = true;
        d.clauses.push_back("validity=unknown");
        d.reasons.push_back(fmt::format("validity: the date ({}) is empty", s_.date_field));
      } else {
        const bool in = (s_.info.valid_from.empty() || dt >= s_.info.valid_from) && (s_.info.valid_to.empty() || dt <= s_.info.valid_to);
        d.clauses.push_back(fmt::format("validity={}", in ? "yes" : "no"));
        if (!in) {
          any_no = true;
          d.reasons.push_back(fmt::format("validity: {} {} is outside {} .. {}", s_.date_field, dt,
                                          s_.info.valid_from.empty() ? "-" : s_.info.valid_from,
                                          s_.info.valid_to.empty() ? "-" : s_.info.valid_to));
        }
      }
    }
    for (const auto& c : s_.conditions) {
      if (c.when) {
        std::string why;
        const auto w = test(*c.when, why);
        if (w == Tri::no) {
          d.clauses.push_back(c.id + "=n/a");
          continue;
        }
        if (w == Tri::unknown) {
          any_unknown = true;
          d.clauses.push_back(c.id + "=unknown");
          d.reasons.push_back(fmt::format("{}: cannot tell whether it applies ({})", c.id, why));
          continue;
        }
      }
      used.insert("condition." + c.id);
      std::vector<std::string> whys;
      Tri r = c.mode == Condition::Mode::any ? Tri::no : Tri::yes;
      for (const auto& t : c.tests) {
        std::string why;
        const auto v = test(t, why);
        if (!why.empty()) whys.push_back(why);
        if (c.mode == Condition::Mode::any) {
          if (v == Tri::yes)
            r = Tri::yes;
          else if (v == Tri::unknown && r == Tri::no)
            r = Tri::unknown;
        } else {
          if (v == Tri::no)
            r = Tri::no;
          else if (v == Tri::unknown && r == Tri::yes)
            r = Tri::unknown;
        }
      }
      d.clauses.push_back(fmt::format("{}={}", c.id, tri_name(r)));
      if (r == Tri::no) any_no = true;
      if (r == Tri::unknown) any_unknown = true;
      if (r != Tri::yes) d.reasons.push_back(fmt::format("{}: {}", c.id, fmt::join(whys, c.mode == Condition::Mode::any ? " and " : "; ")));
    }
    d.eligible = any_no ? Tri::no : any_unknown ? Tri::unknown : Tri::yes;
    if (d.eligible == Tri::no) {
      d.status = "ineligible";
      // Reasons of conditions that are only unknown are kept: they say what data is missing.
    } else if (d.eligible == Tri::unknown) {
      d.status = "eligibility-unknown";
    } else if (s_.terms.empty()) {
      d.status = "no-amount";
      d.reasons.push_back("eligible; the scheme publishes no amount");
    } else {
      std::string why;
      d.amount = amount(why);
      if (d.amount && !any_term_) {
        d.amount.reset();
        d.status = "no-amount";
        d.reasons.push_back("eligible; no amount term applies to this application");
      } else if (d.amount) {
        d.status = "awarded";
      } else {
        d.status = "not-computable";
        d.reasons.push_back("not computable: " + why);
      }
    }
    return d;
  }

  // Public for quotas, envelopes and targets (evaluated against an application).
  Val eval_for(const Operand& o, const Application& a) {
    app_ = &a;
    cache_.clear();
    std::vector<std::string> sink;
    clauses_ = &sink;
    used_ = &used_sink_;
    return eval(o);
  }
  Tri test_for(const Test& t, const Application& a) {
    app_ = &a;
    cache_.clear();
    std::vector<std::string> sink;
    clauses_ = &sink;
    used_ = &used_sink_;
    std::string why;
    return test(t, why);
  }

 private:
  const Scheme& s_;
  const EvalContext& ctx_;
  const std::vector<Faculty>& fac_;
  const Application* app_ = nullptr;
  std::map<std::string, Val> cache_;
  std::vector<std::string>* clauses_ = nullptr;
  std::set<std::string>* used_ = nullptr;
  std::set<std::string> used_sink_;

  void check_faculties(const Operand& o) const {
    if (o.kind != Operand::Kind::distance) return;
    for (const auto& id : o.nearest_of)
      if (id != "*" && std::none_of(fac_.begin(), fac_.end(), [&](const Faculty& f) { return f.id == id; }))
        throw Error(Errc::grant_rule, fmt::format("nearest_of names the faculty '{}', absent from the faculties file", id),
                    s_.info.file.string(), o.where, "use the ids of scenarios/grants/facultes-medecine.csv");
  }

  const std::string& field_text(const std::string& name) const {
    static const std::string empty;
    const auto it = app_->fields.find(name);
    return it == app_->fields.end() ? empty : it->second;
  }

  const CommuneTable* table_at(std::string_view date, std::string& why) const {
    if (!ctx_.zones || ctx_.zones->lists.empty()) {
      why = "no zone list was given";
      return nullptr;
    }
    const auto* t = ctx_.zones->at(date);
    if (!t) why = fmt::format("no zone list is in effect on {}", date);
    return t;
  }

  std::optional<std::pair<double, double>> point(const std::string& code) const {
    std::string why;
    for (const CommuneTable* t : {table_at("", why), ctx_.zones ? &ctx_.zones->facts : nullptr}) {
      if (!t) continue;
      const auto x = t->number(code, "x_l93"), y = t->number(code, "y_l93");
      if (x && y) return std::make_pair(*x, *y);
    }
    return std::nullopt;
  }

  Val param_val(const std::string& name) {
    const auto* p = s_.param(name);
    used_->insert("parameter." + name);
    if (!p->known()) {
      unknown_params.insert(name);
      return Val::unknown(fmt::format("parameter {} unpublished", name));
    }
    Val v;
    if (p->number)
      v = Val::number(*p->number);
    else if (p->text)
      v = Val::str(*p->text);
    else if (p->flag)
      v.t = Val::T::flag, v.flag = *p->flag;
    else if (p->list)
      v.t = Val::T::list, v.list = *p->list;
    else
      v.t = Val::T::bands, v.bands = &*p->bands;
    return v;
  }

  Val eval(const Operand& o) {
    switch (o.kind) {
      case Operand::Kind::literal_number: return Val::number(o.number);
      case Operand::Kind::literal_text: return Val::str(o.name);
      case Operand::Kind::literal_flag: {
        Val v;
        v.t = Val::T::flag;
        v.flag = o.flag;
        return v;
      }
      case Operand::Kind::literal_list: {
        Val v;
        v.t = Val::T::list;
        v.list = o.list;
        return v;
      }
      case Operand::Kind::param: return param_val(o.name);
      case Operand::Kind::field: {
        const auto& t = field_text(o.name);
        if (t.empty()) return Val::unknown(fmt::format("{} is empty", o.name));
        if (s_.number_fields.count(o.name)) return Val::number(*io::parse_number(t));
        return Val::str(t);
      }
      case Operand::Kind::value: {
        if (const auto it = cache_.find(o.name); it != cache_.end()) return it->second;
        used_->insert("value." + o.name);
        const auto& nv = *std::find_if(s_.values.begin(), s_.values.end(), [&](const NamedValue& v) { return v.id == o.name; });
        auto v = eval(nv.operand);
        clauses_->push_back(fmt::format("@{}={}{}", o.name, v.shown(), v.known() || v.why.empty() ? "" : " (" + v.why + ")"));
        cache_[o.name] = v;
        return v;
      }
      case Operand::Kind::column: return column(o);
      case Operand::Kind::distance: return distance(o);
      case Operand::Kind::departement: {
        const auto& code = field_text(o.commune);
        if (code.empty()) return Val::unknown(fmt::format("{} is empty", o.commune));
        return Val::str(std::string(CodeInsee::from(code, app_->where, o.commune).departement()));
      }
    }
    return {};
  }

  Val column(const Operand& o) {
    const auto& code = field_text(o.commune);
    if (code.empty()) return Val::unknown(fmt::format("{} is empty", o.commune));
    std::string date;
    if (!o.at.empty()) {
      date = field_text(o.at);
      if (date.empty()) return Val::unknown(fmt::format("{} (the date of the zone list) is empty", o.at));
    }
    std::string why;
    const auto* t = table_at(date, why);
    if (!t) return Val::unknown(why);
    const CommuneTable* src = t;
    if (!t->has_column(o.name) && ctx_.zones && ctx_.zones->facts.has_column(o.name)) src = &ctx_.zones->facts;
    if (!src->has_column(o.name))
      throw Error(Errc::field_missing,
                  fmt::format("the rule reads the commune column '{}', absent from the zone list and the facts", o.name), t->source(), {},
                  "give a facts file with that column (--facts), or run with the indicator that writes it");
    const auto txt = src->text(code, o.name);
    const std::string when = date.empty() ? "" : " on " + date;
    if (!txt) {
      if (!src->text(code, "code_insee") && !src->text(code, "code_commune") && !src->text(code, "codgeo"))
        return Val::unknown(fmt::format("commune {} is not in the zone list in effect{} ({})", code, when, src->source()));
      return Val::unknown(fmt::format("no {} for commune {}{}", o.name, code, when));
    }
    if (o.name != "zone" && o.name != "class")
      if (const auto x = src->number(code, o.name)) return Val::number(*x);
    return Val::str(*txt);
  }

  Val distance(const Operand& o) {
    const auto& from = field_text(o.commune);
    if (from.empty()) return Val::unknown(fmt::format("{} is empty", o.commune));
    struct Dest {
      std::string label, commune;
      std::optional<std::pair<double, double>> xy;
    };
    std::vector<Dest> dests;
    const auto& to = o.to.empty() ? std::string() : field_text(o.to);
    if (!to.empty()) {
      const auto l = lower(to);
      const auto f = std::find_if(fac_.begin(), fac_.end(), [&](const Faculty& x) { return x.id == l; });
      if (f != fac_.end()) {
        dests.push_back({f->id, f->commune, std::make_pair(f->x, f->y)});
      } else if (const auto c = CodeInsee::parse(to)) {
        dests.push_back({c->to_string(), c->to_string(), point(c->to_string())});
      } else {
        std::vector<std::string> ids;
        for (const auto& x : fac_) ids.push_back(x.id);
        throw Error(Errc::value_invalid, fmt::format("'{}' in column {} is neither a faculty id nor an INSEE code", to, o.to), app_->where,
                    {}, fmt::format("faculty ids: {}", fmt::join(ids, ", ")));
      }
    } else if (!o.nearest_of.empty()) {
      for (const auto& f : fac_)
        if (std::find(o.nearest_of.begin(), o.nearest_of.end(), "*") != o.nearest_of.end() ||
            std::find(o.nearest_of.begin(), o.nearest_of.end(), f.id) != o.nearest_of.end())
          dests.push_back({f.id, f.commune, std::make_pair(f.x, f.y)});
    } else {
      return Val::unknown(fmt::format("{} is empty", o.to));
    }
    std::optional<double> best;
    std::string best_label, why;
    for (const auto& d : dests) {
      std::optional<double> v;
      if (o.metric == "straight_km") {
        const auto p = point(from);
        if (!p) return Val::unknown(fmt::format("no coordinates (x_l93, y_l93) for commune {}", from));
        if (!d.xy) return Val::unknown(fmt::format("no coordinates (x_l93, y_l93) for commune {}", d.commune));
        v = std::hypot(p->first - d.xy->first, p->second - d.xy->second) / 1000.0;
      } else {
        const auto* tab = ctx_.roads ? (o.metric == "road_min" ? &ctx_.roads->minutes : &ctx_.roads->km) : nullptr;
        if (from == d.commune)
          v = 0.0;
        else if (tab && !tab->empty()) {
          auto it = tab->find({from, d.commune});
          if (it == tab->end()) it = tab->find({d.commune, from});
          if (it != tab->end())
            v = it->second;
          else
            why = fmt::format("no road {} between {} and {}", o.metric == "road_min" ? "time" : "distance", from, d.commune);
        } else {
          return Val::unknown(fmt::format("the rule measures {} but no road table was given (--road-{})", o.metric,
                                          o.metric == "road_min" ? "minutes" : "km"));
        }
      }
      if (v && (!best || *v < *best)) best = v, best_label = d.label;
    }
    if (!best) return Val::unknown(why.empty() ? "no destination" : why);
    auto r = Val::number(*best);
    clauses_->push_back(fmt::format("distance {} -> {} ({})", from, best_label, o.metric));
    return r;
  }

  static bool same_text(std::string_view a, std::string_view b) { return lower(io::trim(a)) == lower(io::trim(b)); }

  Tri test(const Test& t, std::string& why) {
    const auto lhs = eval(t.lhs);
    const std::string name = t.lhs.kind == Operand::Kind::column        ? fmt::format("{} of {}", t.lhs.name, field_text(t.lhs.commune))
                             : t.lhs.kind == Operand::Kind::value       ? "@" + t.lhs.name
                             : t.lhs.kind == Operand::Kind::distance    ? "distance"
                             : t.lhs.kind == Operand::Kind::departement ? fmt::format("département of {}", field_text(t.lhs.commune))
                                                                        : t.lhs.name;
    if (t.op == Op::present) {
      const bool want = t.rhs[0].flag;
      const bool ok = lhs.known() == want;
      if (!ok) why = fmt::format("{} is {}", name, lhs.known() ? "given" : "missing");
      return ok ? Tri::yes : Tri::no;
    }
    if (!lhs.known()) {
      why = lhs.why;
      return Tri::unknown;
    }
    std::vector<Val> rhs;
    for (const auto& r : t.rhs) {
      rhs.push_back(eval(r));
      if (!rhs.back().known()) {
        why = rhs.back().why;
        return Tri::unknown;
      }
    }
    bool ok = false;
    std::string need;
    switch (t.op) {
      case Op::in:
      case Op::not_in: {
        const auto& r = rhs[0];
        const auto items = r.t == Val::T::list ? r.list : std::vector<std::string>{r.shown()};
        const auto l = lhs.shown();
        const bool found = std::any_of(items.begin(), items.end(), [&](const std::string& x) { return same_text(x, l); });
        ok = t.op == Op::in ? found : !found;
        need = fmt::format("{}in [{}]", t.op == Op::in ? "" : "not ", fmt::join(items, ", "));
        break;
      }
      case Op::eq:
      case Op::ne: {
        bool eq;
        if (lhs.t == Val::T::num && rhs[0].t == Val::T::num)
          eq = lhs.num == rhs[0].num;
        else if (rhs[0].t == Val::T::flag)
          eq = parse_flag(lhs.shown()) == std::optional<bool>(rhs[0].flag);
        else
          eq = same_text(lhs.shown(), rhs[0].shown());
        ok = t.op == Op::eq ? eq : !eq;
        need = fmt::format("{} {}", t.op == Op::eq ? "=" : "!=", rhs[0].shown());
        break;
      }
      case Op::is: {
        const auto f = lhs.t == Val::T::flag ? std::optional<bool>(lhs.flag) : parse_flag(lhs.shown());
        if (!f)
          throw Error(Errc::value_invalid, fmt::format("{} = '{}' is not yes / no", name, lhs.shown()), app_->where, {},
                      "write oui/non, yes/no, 1/0 or true/false");
        if (rhs[0].t != Val::T::flag) throw Error(Errc::grant_rule, "is = true | false", s_.info.file.string(), t.where);
        ok = *f == rhs[0].flag;
        need = fmt::format("is {}", rhs[0].flag ? "yes" : "no");
        break;
      }
      default: {
        const auto cmp = [&](const Val& a, const Val& b) -> int {
          if (a.t == Val::T::num && b.t == Val::T::num) return a.num < b.num ? -1 : a.num > b.num ? 1 : 0;
          if (a.t == Val::T::text && b.t == Val::T::text && valid_date(a.text) && valid_date(b.text)) return a.text.compare(b.text);
          throw Error(Errc::grant_rule,
                      fmt::format("cannot compare {} ('{}') with '{}': numbers with numbers, dates with dates", name, a.shown(), b.shown()),
                      s_.info.file.string(), t.where);
        };
        const int c0 = cmp(lhs, rhs[0]);
        switch (t.op) {
          case Op::min: ok = c0 >= 0, need = ">= " + rhs[0].shown(); break;
          case Op::max: ok = c0 <= 0, need = "<= " + rhs[0].shown(); break;
          case Op::above: ok = c0 > 0, need = "> " + rhs[0].shown(); break;
          case Op::below: ok = c0 < 0, need = "< " + rhs[0].shown(); break;
          default: ok = c0 >= 0 && cmp(lhs, rhs[1]) <= 0, need = fmt::format("in [{}, {}]", rhs[0].shown(), rhs[1].shown()); break;
        }
      }
    }
    if (!ok) why = fmt::format("{} is {}, needs {}", name, lhs.shown(), need);
    return ok ? Tri::yes : Tri::no;
  }

  std::optional<double> number_of(const Operand& o, std::string& why) {
    const auto v = eval(o);
    if (!v.known()) {
      why = v.why;
      return std::nullopt;
    }
    if (v.t != Val::T::num)
      throw Error(Errc::grant_rule, fmt::format("an amount uses '{}', which is not a number", v.shown()), s_.info.file.string(), o.where);
    return v.num;
  }

  bool any_term_ = false;

  std::optional<double> amount(std::string& why) {
    double total = 0;
    any_term_ = false;
    for (const auto& term : s_.terms) {
      if (term.when) {
        std::string w;
        const auto r = test(*term.when, w);
        if (r == Tri::no) {
          clauses_->push_back(fmt::format("amount.{}=n/a", term.id));
          continue;
        }
        if (r == Tri::unknown) {
          why = w;
          return std::nullopt;
        }
      }
      used_->insert("amount." + term.id);
      std::optional<double> v;
      std::string detail;
      if (term.kind == Term::Kind::band) {
        const auto x = number_of(term.of, why);
        if (!x) return std::nullopt;
        const auto tab = eval(term.factor);
        if (!tab.known()) {
          why = tab.why;
          return std::nullopt;
        }
        const auto& b = *tab.bands;
        auto it = std::upper_bound(b.begin(), b.end(), *x, [](double val, const auto& band) { return val < band.first; });
        if (it == b.begin()) {
          v = 0.0;
          detail = fmt::format("{} below the first band ({})", num(*x), num(b.front().first));
        } else {
          --it;
          v = it->second;
          const auto next = it + 1;
          detail = next == b.end() ? fmt::format("{} >= {} -> {}", num(*x), num(it->first), num(it->second))
                                   : fmt::format("{} <= {} < {} -> {}", num(it->first), num(*x), num(next->first), num(it->second));
        }
      } else {
        const auto f = term.kind == Term::Kind::field ? std::optional<double>(1.0) : number_of(term.factor, why);
        if (!f) return std::nullopt;
        const auto x = term.kind == Term::Kind::fixed ? std::optional<double>(1.0) : number_of(term.of, why);
        if (!x) return std::nullopt;
        if (*x < 0)
          throw Error(Errc::value_invalid, fmt::format("negative quantity {} in amount term '{}'", num(*x), term.id), app_->where);
        v = *f * *x;
        detail = term.kind == Term::Kind::fixed   ? num(*v)
                 : term.kind == Term::Kind::field ? num(*v)
                                                  : fmt::format("{} x {} = {}", num(*f), num(*x), num(*v));
      }
      if (term.min) {
        const auto m = number_of(*term.min, why);
        if (!m) return std::nullopt;
        if (*v < *m) v = *m, detail += fmt::format(", raised to {}", num(*m));
      }
      if (term.max) {
        const auto m = number_of(*term.max, why);
        if (!m) return std::nullopt;
        if (*v > *m) v = *m, detail += fmt::format(", capped at {}", num(*m));
      }
      clauses_->push_back(fmt::format("amount.{}: {}", term.id, detail));
      total += *v;
      any_term_ = true;
    }
    if (s_.amount_min) {
      const auto m = number_of(*s_.amount_min, why);
      if (!m) return std::nullopt;
      if (total < *m) total = *m, clauses_->push_back(fmt::format("amount.min: raised to {}", num(*m)));
    }
    if (s_.amount_max) {
      const auto m = number_of(*s_.amount_max, why);
      if (!m) return std::nullopt;
      if (total > *m) total = *m, clauses_->push_back(fmt::format("amount.max: capped at {}", num(*m)));
    }
    return total;
  }
};

std::string period_of(const Limit& l, const Application& a) {
  if (l.period == "total") return "total";
  const auto it = a.fields.find(l.date);
  return it == a.fields.end() || it->second.size() < 4 ? std::string() : it->second.substr(0, 4);
}

std::string param_shown(const Parameter& p) {
  if (p.number) return num(*p.number);
  if (p.text) return *p.text;
  if (p.flag) return *p.flag ? "true" : "false";
  if (p.list) return fmt::format("[{}]", fmt::join(*p.list, ", "));
  if (p.bands) {
    std::vector<std::string> b;
    for (const auto& [lo, am] : *p.bands) b.push_back(fmt::format("[{}, {}]", num(lo), num(am)));
    return fmt::format("[{}]", fmt::join(b, ", "));
  }
  return {};
}

json provenance_json(const std::string& key, const std::string& text, const Provenance& p) {
  json j{{"fact", key}, {"confidence", p.confidence}};
  if (!text.empty()) j["text"] = text;
  for (const auto& [k, v] :
       {std::pair{"quote", &p.quote}, {"source", &p.source}, {"reading", &p.reading}, {"origin", &p.origin}, {"note", &p.note}})
    if (!v->empty()) j[k] = *v;
  return j;
}

/// The facts the decisions rest on, by confidence: how many decisions and awards used each.
json dependencies_json(const Scheme& s, const std::vector<Decision>& decisions, bool unconfirmed) {
  json out = json::array();
  for (const auto& f : all_facts(s.info)) {
    if (unconfirmed ? !f.prov.unconfirmed() : f.prov.confidence != "derived") continue;
    std::size_t used = 0, awarded = 0;
    double total = 0;
    for (const auto& d : decisions)
      if (std::find(d.facts.begin(), d.facts.end(), f.key) != d.facts.end()) {
        ++used;
        if (d.awarded && *d.awarded > 0) ++awarded, total += *d.awarded;
      }
    if (!used) continue;
    auto j = provenance_json(f.key, f.text, f.prov);
    j["decisions"] = used;
    j["awarded_count"] = awarded;
    j["awarded_total"] = total;
    out.push_back(std::move(j));
  }
  return out;
}

/// Programme targets: achieved before (the initial stock) + the eligible applications counted from
/// `from` to the deadline; remaining; the envelope used and left.
json targets_json(const Scheme& s, const std::vector<Application>& apps, const std::vector<Decision>& decisions, Judge& judge) {
  json targets = json::array();
  const Application none;
  const auto number = [&](const std::optional<Operand>& o, std::optional<double> absent, std::string& why) -> std::optional<double> {
    if (!o) return absent;
    const auto v = judge.eval_for(*o, apps.empty() ? none : apps.front());
    if (v.t == Val::T::num) return v.num;
    if (why.empty()) why = v.why.empty() ? "not a number" : v.why;
    return std::nullopt;
  };
  for (const auto& g : s.targets) {
    std::size_t counted = 0, late = 0, early = 0, unpriced = 0;
    double used = 0;
    for (std::size_t i = 0; i < apps.size(); ++i) {
      const auto& d = decisions[i];
      if (d.eligible != Tri::yes || d.status == "quota-exhausted" || d.status == "envelope-exhausted") continue;
      if (g.counts && judge.test_for(*g.counts, apps[i]) != Tri::yes) continue;
      const auto it = apps[i].fields.find(g.date);
      const auto& dt = it == apps[i].fields.end() ? std::string() : it->second;
      if (!dt.empty() && dt > g.deadline) {
        ++late;
        continue;
      }
      if (!dt.empty() && !g.from.empty() && dt < g.from) {
        ++early;
        continue;
      }
      ++counted;
      if (d.awarded)
        used += *d.awarded;
      else if (d.status == "not-computable")
        ++unpriced;
    }
    json t = {{"id", g.id}, {"label", g.label}, {"deadline", g.deadline}};
    if (const auto* p = s.provenance("target." + g.id)) t["confidence"] = p->confidence;
    if (!g.from.empty()) t["from"] = g.from;
    std::string why;
    const auto target = number(g.target, std::nullopt, why);
    const auto before = number(g.achieved_before, 0.0, why);
    const auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
    t["target"] = opt(target);
    t["achieved_before"] = opt(before);
    t["achieved_new"] = counted;
    t["achieved"] = before ? json(*before + static_cast<double>(counted)) : json(nullptr);
    t["remaining"] = target && before ? json(std::max(0.0, *target - *before - static_cast<double>(counted))) : json(nullptr);
    if (!why.empty()) t["note"] = "not computable: " + why;
    if (early) t["before_from"] = early;
    t["after_deadline"] = late;
    t["amount_used"] = used;
    if (unpriced) t["unpriced"] = unpriced;
    if (g.envelope) {
      std::string ewhy;
      const auto env = number(g.envelope, std::nullopt, ewhy);
      const auto env_before = number(g.envelope_used_before, 0.0, ewhy);
      t["envelope"] = opt(env);
      if (g.envelope_used_before) t["envelope_used_before"] = opt(env_before);
      t["envelope_left"] = env && env_before ? json(*env - *env_before - used) : json(nullptr);
      if (!ewhy.empty()) t["envelope_note"] = "not computable: " + ewhy;
    }
    targets.push_back(t);
  }
  return targets;
}

json checks_json(const Scheme& s, std::size_t awarded_n, double total, bool not_computable) {
  json checks = json::array();
  for (const auto& c : s.checks) {
    json r = {{"id", c.id}, {"text", c.text}};
    if (const auto* p = s.provenance("check." + c.id)) r["confidence"] = p->confidence;
    bool ok = true;
    if (c.awarded_count) {
      r["awarded_count"] = {{"published", *c.awarded_count}, {"computed", awarded_n}};
      ok = ok && *c.awarded_count == static_cast<double>(awarded_n);
    }
    if (c.total) {
      r["total"] = {{"published", *c.total}, {"computed", total}, {"difference", total - *c.total}};
      ok = ok && std::fabs(*c.total - total) <= c.tolerance;
    }
    if (not_computable) {
      r["result"] = "not computable";
      r["note"] = "some amounts depend on unpublished parameters";
    } else {
      r["result"] = ok ? "reproduced" : "differs";
    }
    checks.push_back(r);
  }
  return checks;
}

json scheme_json(const SchemeInfo& I) {
  json src{{"title", I.source_title}, {"date", I.source_date}, {"url", I.source_url}};
  if (!I.source_file.empty()) src["file"] = I.source_file;
  return {{"id", I.id},
          {"name", I.name},
          {"region", I.region},
          {"version", I.version},
          {"format", I.format},
          {"kind", I.kind},
          {"valid_from", I.valid_from},
          {"valid_to", I.valid_to},
          {"currency", I.currency},
          {"source", src}};
}

/// Quota or envelope use per period.
json limit_json(const Limit& l, const std::optional<double>& limit, const std::string& why,
                const std::map<std::string, std::pair<double, double>>& use) {
  json j = json::object();
  if (!l.value) return j;
  j["limit"] = limit ? json(*limit) : json(nullptr);
  j["period"] = l.period;
  if (!limit) j["note"] = "not enforced: " + why;
  json per = json::object();
  for (const auto& [k, v] : use) per[k] = {{"used", v.second}, {"left", v.first - v.second}};
  j["by_period"] = per;
  return j;
}

json parameters_json(const SchemeInfo& I) {
  json params = json::array();
  for (const auto& p : I.parameters)
    params.push_back({{"name", p.name},
                      {"value", p.known() ? json(param_shown(p)) : json(nullptr)},
                      {"unit", p.unit},
                      {"confidence", p.prov.confidence},
                      {"source", p.prov.source}});
  return params;
}

/// Where the facts come from: the open points, every fact with its provenance, the source pages.
void provenance_summary(const SchemeInfo& I, const std::vector<Fact>& facts, json& S) {
  json open = json::array();
  for (const auto& o : I.open_points) open.push_back(provenance_json(o.key, o.text, o.prov));
  S["open_points"] = open;
  json all = json::array();
  for (const auto& f : facts) all.push_back(provenance_json(f.key, f.text, f.prov));
  S["facts"] = all;
  json sources = json::array();
  for (const auto& f : I.sources)
    sources.push_back({{"file", f.written}, {"found", f.found}, {"sha256", f.sha256}, {"quotes_verified", f.quotes}});
  S["sources"] = sources;
}

}  // namespace

// Long (about 125 lines) on purpose: the order of the checks is the scheme's own (validity, eligibility,
// amount, quota, envelope), and each stage consumes what the previous one left; split into stages, the
// shared quota / envelope state would be passed around by reference. The summary is built by the
// helpers above.
Result evaluate(const Scheme& s, const std::vector<Application>& apps, const EvalContext& ctx) {
  std::vector<Faculty> own;
  const std::vector<Faculty>* fac = ctx.faculties;
  if (!fac) {
    if (!s.info.faculties_file.empty()) own = read_faculties(s.info.faculties_file);
    fac = &own;
  }
  Judge judge(s, ctx, *fac);
  Result out;
  out.decisions.reserve(apps.size());
  std::vector<std::set<std::string>> used(apps.size());
  for (std::size_t i = 0; i < apps.size(); ++i) out.decisions.push_back(judge.judge(apps[i], used[i]));

  // Quota and envelope, in file order or by date (ties: file order).
  std::vector<std::size_t> order(apps.size());
  std::iota(order.begin(), order.end(), 0);
  if (s.order == "date")
    std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) {
      const auto a = apps[i].fields.find(s.date_field), b = apps[j].fields.find(s.date_field);
      return (a == apps[i].fields.end() ? std::string() : a->second) < (b == apps[j].fields.end() ? std::string() : b->second);
    });
  std::map<std::string, std::pair<double, double>> quota_use, envelope_use;  // period -> (limit, used)
  std::optional<double> quota_limit, envelope_limit;
  std::string quota_why, envelope_why;
  const auto limit_value = [&](const Limit& l, std::string& why) -> std::optional<double> {
    if (!l.value) return std::nullopt;
    if (l.value->kind == Operand::Kind::literal_number) return l.value->number;
    if (l.value->kind == Operand::Kind::param) {
      const auto* p = s.param(l.value->name);
      if (p->number) return *p->number;
      why = fmt::format("parameter {} unpublished", p->name);
      judge.unknown_params.insert(p->name);
      return std::nullopt;
    }
    throw Error(Errc::grant_rule, "quota count and envelope amount are numbers or $parameters", s.info.file.string(), l.value->where);
  };
  const auto uses = [&](std::size_t i, const Limit& l) {
    used[i].insert(l.key);
    if (l.value && l.value->kind == Operand::Kind::param) used[i].insert("parameter." + l.value->name);
  };
  quota_limit = limit_value(s.quota, quota_why);
  envelope_limit = limit_value(s.envelope, envelope_why);
  // With --param overrides applied: a quota is a whole number of 0 or more, an envelope an amount of 0 or more.
  const auto check_limit = [&](const Limit& l, const std::optional<double>& v, bool envelope) {
    if (!v || (*v >= 0 && (envelope || *v == std::floor(*v)))) return;
    const auto name = l.value && l.value->kind == Operand::Kind::param ? "parameter " + l.value->name
                                                                       : std::string(envelope ? "[envelope] amount" : "[quota] count");
    throw Error(
        Errc::grant_rule,
        fmt::format("{} = {}: {}", name, *v, envelope ? "an envelope is an amount of 0 or more" : "a quota is a whole number of 0 or more"),
        s.info.file.string(), l.value ? l.value->where : std::string(), envelope ? "e.g. 390000" : "e.g. 150");
  };
  check_limit(s.quota, quota_limit, false);
  check_limit(s.envelope, envelope_limit, true);
  std::size_t unpriced_in_envelope = 0;
  for (const auto i : order) {
    auto& d = out.decisions[i];
    const bool takes = d.status == "awarded" || d.status == "not-computable" || d.status == "no-amount";
    if (!takes) continue;
    if (quota_limit) {
      uses(i, s.quota);
      const auto per = period_of(s.quota, apps[i]);
      auto& q = quota_use[per.empty() ? "undated" : per];
      q.first = *quota_limit;
      if (q.second + 1 > *quota_limit) {
        d.status = "quota-exhausted";
        d.awarded = 0.0;
        d.clauses.push_back(fmt::format("quota {}: {}/{} used", per, num(q.second), num(*quota_limit)));
        d.reasons.push_back(fmt::format("eligible, but the quota of {} ({}) is used up", num(*quota_limit), per));
        continue;
      }
      q.second += 1;
      d.clauses.push_back(fmt::format("quota {}: {}/{}", per, num(q.second), num(*quota_limit)));
    }
    if (d.status == "awarded") d.awarded = d.amount;
    if (envelope_limit && d.status != "no-amount") {
      const auto per = period_of(s.envelope, apps[i]);
      auto& e = envelope_use[per.empty() ? "undated" : per];
      e.first = *envelope_limit;
      if (!d.amount) {
        ++unpriced_in_envelope;
        continue;
      }
      uses(i, s.envelope);
      const double left = *envelope_limit - e.second;
      if (*d.amount > left + 1e-9) {
        if (s.envelope.reduce && left > 0) {
          d.awarded = left;
          d.clauses.push_back(fmt::format("envelope {}: reduced to the {} left", per, num(left)));
          e.second = *envelope_limit;
        } else {
          d.status = "envelope-exhausted";
          d.awarded = 0.0;
          d.clauses.push_back(fmt::format("envelope {}: {} left", per, num(std::max(0.0, left))));
          d.reasons.push_back(
              fmt::format("eligible for {}, but only {} of the envelope ({}) is left", num(*d.amount), num(std::max(0.0, left)), per));
        }
        continue;
      }
      e.second += *d.amount;
    }
  }
  // The facts each decision used, in file order, and those of them that are not confirmed.
  const auto facts = all_facts(s.info);
  for (std::size_t i = 0; i < apps.size(); ++i)
    for (const auto& f : facts)
      if (used[i].count(f.key)) {
        out.decisions[i].facts.push_back(f.key);
        if (f.prov.unconfirmed()) out.decisions[i].unconfirmed.push_back(f.key);
      }

  // Summary.
  json& S = out.summary;
  const auto& I = s.info;
  S["scheme"] = scheme_json(I);
  S["parameters"] = parameters_json(I);
  std::map<std::string, std::size_t> by_status, by_elig;
  double total = 0;
  std::size_t awarded_n = 0;
  for (const auto& d : out.decisions) {
    ++by_status[d.status];
    ++by_elig[std::string(tri_name(d.eligible))];
    if (d.awarded && *d.awarded > 0) total += *d.awarded, ++awarded_n;
  }
  S["applications"] = apps.size();
  S["eligible"] = by_elig;
  S["status"] = by_status;
  S["awarded_count"] = awarded_n;
  S["awarded_total"] = total;
  S["not_computable"] = by_status.count("not-computable") ? by_status["not-computable"] : 0;
  S["unknown_parameters"] = judge.unknown_params;
  S["unconfirmed_facts"] = dependencies_json(s, out.decisions, true);
  S["derived_facts"] = dependencies_json(s, out.decisions, false);
  S["quota"] = limit_json(s.quota, quota_limit, quota_why, quota_use);
  S["envelope"] = limit_json(s.envelope, envelope_limit, envelope_why, envelope_use);
  if (unpriced_in_envelope) S["envelope"]["unpriced"] = unpriced_in_envelope;
  S["targets"] = targets_json(s, apps, out.decisions, judge);
  S["checks"] = checks_json(s, awarded_n, total, by_status.count("not-computable") > 0);
  provenance_summary(I, facts, S);
  return out;
}

std::string awards_csv(const Result& r, bool fr) {
  const char sep = fr ? ';' : ',';
  const auto q = [&](const std::string& s) {
    if (s.find_first_of(std::string("\"\n\r") + sep) == std::string::npos) return s;
    std::string o = "\"";
    for (char c : s) {
      if (c == '"') o += '"';
      o += c;
    }
    return o + "\"";
  };
  const auto n = [&](const std::optional<double>& v) {
    if (!v) return std::string();
    auto s = fmt::format("{:.2f}", *v);
    if (fr) std::replace(s.begin(), s.end(), '.', ',');
    return s;
  };
  std::string out = fr ? "\xEF\xBB\xBF" : "";
  out += fmt::format("id{0}eligible{0}amount{0}awarded{0}status{0}clauses{0}reasons{0}unconfirmed\n", sep);
  for (const auto& d : r.decisions)
    out += fmt::format("{1}{0}{2}{0}{3}{0}{4}{0}{5}{0}{6}{0}{7}{0}{8}\n", sep, q(d.id), tri_name(d.eligible), n(d.amount), n(d.awarded),
                       d.status, q(fmt::format("{}", fmt::join(d.clauses, " | "))), q(fmt::format("{}", fmt::join(d.reasons, " | "))),
                       q(fmt::format("{}", fmt::join(d.unconfirmed, " | "))));
  return out;
}

}  // namespace oasis::grants
