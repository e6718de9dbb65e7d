#include "grab/mail_product.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/text.h"

namespace sl::grab {

namespace {

struct Known {
    std::string_view marker;  // as it appears in greetings, compared without case
    std::string_view product;
};

constexpr Known kKnown[] = {
    {"dovecot", "Dovecot"},
    {"cyrus", "Cyrus IMAP"},
    {"courier", "Courier"},
    {"exchange", "Microsoft Exchange"},
    {"zimbra", "Zimbra"},
    {"postfix", "Postfix"},
    {"exim", "Exim"},
    {"sendmail", "Sendmail"},
    {"opensmtpd", "OpenSMTPD"},
    {"vsftpd", "vsftpd"},
    {"proftpd", "ProFTPD"},
    {"pure-ftpd", "Pure-FTPd"},
    {"filezilla", "FileZilla Server"},
    {"microsoft ftp", "Microsoft FTP Service"},
};

}  // namespace

void name_mail_product(Record& rec, std::string_view greeting) {
    std::string low = ascii_lower(greeting.substr(0, 512));
    for (const auto& k : kKnown) {
        size_t at = low.find(k.marker);
        if (at == std::string::npos) continue;
        rec.set("product", k.product);
        size_t v = at + k.marker.size();
        if (v < greeting.size() && greeting[v] == ' ') ++v;
        size_t end = v;
        while (end < greeting.size() && end - v < 32 &&
               (std::isdigit(static_cast<unsigned char>(greeting[end])) || greeting[end] == '.'))
            ++end;
        if (end > v && std::isdigit(static_cast<unsigned char>(greeting[v])))
            rec.set("version", greeting.substr(v, end - v));
        return;
    }
}

}  // namespace sl::grab
