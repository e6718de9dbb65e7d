#include "store/query/query.h"

#include <fmt/format.h>

#include <cctype>

namespace sl::store::query {

namespace {

bool is_key_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}
bool ends_term(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')';
}

// A recursive-descent parser over the raw text; positions are byte offsets.
class Parser {
  public:
    explicit Parser(std::string_view t) : t_(t) {}

    Parsed run() {
        Parsed p;
        if (t_.size() > kMaxQueryBytes)
            return fail(p, 1, fmt::format("the query is longer than {} bytes", kMaxQueryBytes));
        for (size_t i = 0; i < t_.size(); ++i)
            if (static_cast<unsigned char>(t_[i]) < 0x20 && t_[i] != '\t' && t_[i] != '\n' &&
                t_[i] != '\r')
                return fail(p, static_cast<int>(i) + 1, "a control character is not allowed");
        skip_space();
        if (at_end()) {
            p.ok = true;
            return p;
        }
        Node root;
        if (!or_expr(root, 0)) return fail(p);
        skip_space();
        if (!at_end()) {
            error(t_[pos_] == ')' ? "unexpected ')': no '(' is open"
                                  : "expected the end of the query");
            return fail(p);
        }
        p.ok = true;
        p.root = std::move(root);
        return p;
    }

  private:
    Parsed& fail(Parsed& p) {
        p.ok = false;
        p.error = err_;
        return p;
    }
    Parsed& fail(Parsed& p, int column, std::string message) {
        err_ = {column, std::move(message)};
        return fail(p);
    }
    bool error(std::string message) {
        if (err_.message.empty()) err_ = {static_cast<int>(pos_) + 1, std::move(message)};
        return false;
    }
    bool at_end() const { return pos_ >= t_.size(); }
    void skip_space() {
        while (!at_end() &&
               (t_[pos_] == ' ' || t_[pos_] == '\t' || t_[pos_] == '\n' || t_[pos_] == '\r'))
            ++pos_;
    }
    // The bare word OR or AND (upper case) followed by a separator.
    bool keyword(std::string_view word) {
        if (t_.substr(pos_, word.size()) != word) return false;
        size_t after = pos_ + word.size();
        return after >= t_.size() || ends_term(t_[after]);
    }

    bool or_expr(Node& out, int depth) {
        Node first;
        if (!and_expr(first, depth)) return false;
        std::vector<Node> alts;
        alts.push_back(std::move(first));
        while (true) {
            skip_space();
            if (!keyword("OR")) break;
            pos_ += 2;
            skip_space();
            Node next;
            if (at_end() || t_[pos_] == ')') return error("expected a term after OR");
            if (!and_expr(next, depth)) return false;
            alts.push_back(std::move(next));
        }
        if (alts.size() == 1) {
            out = std::move(alts[0]);
        } else {
            out.kind = Node::Kind::kOr;
            out.children = std::move(alts);
        }
        return true;
    }

    bool and_expr(Node& out, int depth) {
        out.kind = Node::Kind::kAnd;
        out.column = static_cast<int>(pos_) + 1;
        while (true) {
            skip_space();
            if (at_end() || t_[pos_] == ')' || keyword("OR")) break;
            if (keyword("AND")) {
                pos_ += 3;
                skip_space();
                if (at_end() || t_[pos_] == ')' || keyword("OR"))
                    return error("expected a term after AND");
                continue;
            }
            Node n;
            if (!unary(n, depth)) return false;
            out.children.push_back(std::move(n));
        }
        if (out.children.empty()) return error("expected a term");
        if (out.children.size() == 1) {
            Node only = std::move(out.children[0]);
            out = std::move(only);
        }
        return true;
    }

    bool unary(Node& out, int depth) {
        if (depth >= kMaxDepth)
            return error(fmt::format("nested deeper than {} levels", kMaxDepth));
        if (t_[pos_] == '-') {
            int column = static_cast<int>(pos_) + 1;
            ++pos_;
            if (at_end() || (ends_term(t_[pos_]) && t_[pos_] != '('))
                return error("expected a term right after '-'");
            Node inner;
            if (!unary(inner, depth + 1)) return false;
            out.kind = Node::Kind::kNot;
            out.column = column;
            out.children.push_back(std::move(inner));
            return true;
        }
        if (t_[pos_] == '(') {
            size_t open = pos_++;
            skip_space();
            if (!at_end() && t_[pos_] == ')') return error("expected a term inside '()'");
            if (!or_expr(out, depth + 1)) return false;
            skip_space();
            if (at_end()) {
                err_ = {static_cast<int>(open) + 1, "this '(' is never closed: expected ')'"};
                return false;
            }
            ++pos_;  // ')'
            return true;
        }
        return term(out);
    }

    // key:values, or a bare word or phrase.
    bool term(Node& out) {
        size_t start = pos_;
        size_t k = pos_;
        while (k < t_.size() && is_key_char(t_[k])) ++k;
        if (k > start && k < t_.size() && t_[k] == ':') {
            out.kind = Node::Kind::kFilter;
            out.column = static_cast<int>(start) + 1;
            for (size_t i = start; i < k; ++i)
                out.key.push_back(
                    static_cast<char>(std::tolower(static_cast<unsigned char>(t_[i]))));
            pos_ = k + 1;
            return values(out);
        }
        out.kind = Node::Kind::kText;
        out.column = static_cast<int>(start) + 1;
        Value v;
        if (!value(v, /*in_list=*/false)) return false;
        out.values.push_back(std::move(v));
        return true;
    }

    bool values(Node& out) {
        while (true) {
            if (at_end() || ends_term(t_[pos_]) || t_[pos_] == ',')
                return error(fmt::format("expected a value after '{}:'", out.key));
            Value v;
            if (!value(v, /*in_list=*/true)) return false;
            out.values.push_back(std::move(v));
            if (at_end() || t_[pos_] != ',') return true;
            ++pos_;
        }
    }

    Op comparison() {
        auto take = [&](std::string_view s, Op op) {
            if (t_.substr(pos_, s.size()) != s) return false;
            pos_ += s.size();
            op_ = op;
            return true;
        };
        op_ = Op::kEq;
        if (take(">=", Op::kGe) || take("<=", Op::kLe) || take(">", Op::kGt) || take("<", Op::kLt))
            return op_;
        return op_;
    }

    // A quoted string ("..." with \" and \\), or a run up to a separator (and ',' in lists).
    bool value(Value& v, bool in_list) {
        v.column = static_cast<int>(pos_) + 1;
        if (in_list) v.op = comparison();
        if (!at_end() && t_[pos_] == '"') {
            size_t open = pos_++;
            v.quoted = true;
            while (true) {
                if (at_end()) {
                    err_ = {static_cast<int>(open) + 1,
                            "this quote is never closed: expected '\"'"};
                    return false;
                }
                char c = t_[pos_++];
                if (c == '"') break;
                if (c == '\\' && !at_end() && (t_[pos_] == '"' || t_[pos_] == '\\')) c = t_[pos_++];
                v.text.push_back(c);
            }
            if (!at_end() && !ends_term(t_[pos_]) && !(in_list && t_[pos_] == ','))
                return error("expected a space, ',' or ')' after the closing quote");
            return true;
        }
        while (!at_end() && !ends_term(t_[pos_]) && !(in_list && t_[pos_] == ',')) {
            if (t_[pos_] == '"') return error("a quote must start the value");
            if (t_[pos_] == '*') v.wildcard = true;
            v.text.push_back(t_[pos_++]);
        }
        if (v.text.empty())
            return error(in_list ? "expected a value after the comparison" : "expected a term");
        return true;
    }

    std::string_view t_;
    size_t pos_ = 0;
    ParseError err_;
    Op op_ = Op::kEq;
};

}  // namespace

Parsed parse(std::string_view text) { return Parser(text).run(); }

std::string format_error(std::string_view text, const ParseError& e) {
    std::string shown;
    for (char c : text)
        shown.push_back(
            static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f ? '?'
                                                                                          : c);
    int caret = e.column < 1 ? 0 : e.column - 1;
    return fmt::format("query:1:{}: {}\n  {}\n  {}^", e.column, e.message, shown,
                       std::string(static_cast<size_t>(caret), ' '));
}

}  // namespace sl::store::query
