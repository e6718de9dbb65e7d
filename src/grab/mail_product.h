// The product a mail or file-transfer server names in its greeting ("Dovecot (Debian) ready.",
// "ESMTP Postfix", "(vsFTPd 3.0.3)"): a small table of well-known names, nothing guessed.
#pragma once

#include <string_view>

#include "core/record.h"

namespace sl::grab {

// Sets `product` (and `version` when the greeting carries one right after the name) when the
// greeting names a known server.
void name_mail_product(Record& rec, std::string_view greeting);

}  // namespace sl::grab
