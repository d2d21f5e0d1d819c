/* SPDX-License-Identifier: Apache-2.0 */
/* mapping/lex.c: the lexer. Names follow Java's rules (JEXL's): a Unicode letter, `$` or `_`,
 * then letters, digits, `$` or `_`; ICU classifies the code points. String escapes are JEXL's:
 * an escape it does not know keeps its backslash, so "\." reaches a regular expression as `\.`. */
#include "mapping/lex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>

typedef struct word {
    const char *text;
    sl_tok_type type;
} word;

/* The JEXL words of the language (aep-api.md §3.3). Anything else spelled like a name is an
 * identifier. */
static const word words[] = {
    {"true", SL_TOK_TRUE},
    {"false", SL_TOK_FALSE},
    {"null", SL_TOK_NULL},
    {"and", SL_TOK_AND},
    {"or", SL_TOK_OR},
    {"not", SL_TOK_NOT},
    {"eq", SL_TOK_EQ},
    {"ne", SL_TOK_NE},
    {"lt", SL_TOK_LT},
    {"le", SL_TOK_LE},
    {"gt", SL_TOK_GT},
    {"ge", SL_TOK_GE},
    {"div", SL_TOK_SLASH},
    {"mod", SL_TOK_PERCENT},
    {"empty", SL_TOK_EMPTY},
    {"size", SL_TOK_SIZE},
    {"new", SL_TOK_RESERVED},
    {"var", SL_TOK_RESERVED},
    {"for", SL_TOK_RESERVED},
    {"while", SL_TOK_RESERVED},
    {"break", SL_TOK_RESERVED},
    {"continue", SL_TOK_RESERVED},
    {"else", SL_TOK_RESERVED},
    {"if", SL_TOK_RESERVED},
    {"return", SL_TOK_RESERVED},
    {"do", SL_TOK_RESERVED},
    {"function", SL_TOK_RESERVED},
    {"_errors", SL_TOK_RESERVED},
};

size_t sl__utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len == 0) {
        return 0;
    }
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    size_t n;
    uint32_t c;
    uint32_t min;
    if ((u[0] & 0xE0) == 0xC0) {
        n = 2;
        c = u[0] & 0x1Fu;
        min = 0x80;
    } else if ((u[0] & 0xF0) == 0xE0) {
        n = 3;
        c = u[0] & 0x0Fu;
        min = 0x800;
    } else if ((u[0] & 0xF8) == 0xF0) {
        n = 4;
        c = u[0] & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len < n) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (u[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        return 0;
    }
    *cp = c;
    return n;
}

void sl__lex_init(sl_lexer *lx, const char *src, size_t len, sl_arena *arena)
{
    lx->src = src;
    lx->len = len;
    lx->pos = 0;
    lx->line = 1;
    lx->col = 1;
    lx->arena = arena;
}

/* Advance over `n` bytes that form one code point (or one byte of garbage). */
static void advance(sl_lexer *lx, size_t n)
{
    if (lx->src[lx->pos] == '\n') {
        lx->line++;
        lx->col = 1;
    } else {
        lx->col++;
    }
    lx->pos += n;
}

static int peek_byte(const sl_lexer *lx, size_t ahead)
{
    return lx->pos + ahead < lx->len ? (unsigned char)lx->src[lx->pos + ahead] : -1;
}

static void set_error(sl_tok *t, const char *msg)
{
    t->type = SL_TOK_ERROR;
    (void)snprintf(t->msg, sizeof(t->msg), "%s", msg);
}

static bool name_start(uint32_t cp)
{
    return cp == '$' || cp == '_' ||
           (cp < 0x80 ? ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') : u_isalpha((UChar32)cp) != 0);
}

static bool name_part(uint32_t cp)
{
    return name_start(cp) || (cp >= '0' && cp <= '9') || (cp >= 0x80 && u_isdigit((UChar32)cp));
}

static void lex_name(sl_lexer *lx, sl_tok *t)
{
    for (;;) {
        uint32_t cp = 0;
        size_t n = sl__utf8_decode(lx->src + lx->pos, lx->len - lx->pos, &cp);
        if (n == 0 || !name_part(cp)) {
            break;
        }
        advance(lx, n);
    }
    t->len = lx->pos - t->off;
    t->type = SL_TOK_IDENT;
    t->word = true;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strlen(words[i].text) == t->len && memcmp(words[i].text, t->ptr, t->len) == 0) {
            t->type = words[i].type;
            break;
        }
    }
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static void lex_number(sl_lexer *lx, sl_tok *t)
{
    bool decimal = false;
    bool overflow = false;
    uint64_t u = 0;
    while (is_digit(peek_byte(lx, 0))) {
        unsigned dgt = (unsigned)(peek_byte(lx, 0) - '0');
        if (u > (UINT64_MAX - dgt) / 10) {
            overflow = true;
        } else {
            u = u * 10 + dgt;
        }
        advance(lx, 1);
    }
    if (peek_byte(lx, 0) == '.' && is_digit(peek_byte(lx, 1))) {
        decimal = true;
        advance(lx, 1);
        while (is_digit(peek_byte(lx, 0))) {
            advance(lx, 1);
        }
    }
    int e = peek_byte(lx, 0);
    if ((e == 'e' || e == 'E') &&
        (is_digit(peek_byte(lx, 1)) ||
         ((peek_byte(lx, 1) == '+' || peek_byte(lx, 1) == '-') && is_digit(peek_byte(lx, 2))))) {
        decimal = true;
        advance(lx, 2);
        while (is_digit(peek_byte(lx, 0))) {
            advance(lx, 1);
        }
    }
    t->len = lx->pos - t->off;
    uint32_t cp = 0;
    size_t n = sl__utf8_decode(lx->src + lx->pos, lx->len - lx->pos, &cp);
    if (n != 0 && name_part(cp)) {
        while (n != 0 && name_part(cp)) {
            advance(lx, n);
            n = sl__utf8_decode(lx->src + lx->pos, lx->len - lx->pos, &cp);
        }
        t->len = lx->pos - t->off;
        t->type = SL_TOK_ERROR;
        (void)snprintf(t->msg, sizeof(t->msg), "invalid number '%.*s'",
                       t->len > 40 ? 40 : (int)t->len, t->ptr);
        return;
    }
    if (!decimal) {
        t->type = SL_TOK_INT;
        t->u = u;
        if (overflow) {
            set_error(t, "integer literal out of range");
        }
        return;
    }
    char *text = sl_arena_strndup(lx->arena, t->ptr, t->len);
    t->type = SL_TOK_DEC;
    t->d = strtod(text, NULL);
    if (t->d > 1.7976931348623157e308 || t->d < -1.7976931348623157e308) {
        set_error(t, "decimal literal out of range");
    }
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Four hex digits after "\u" at the current position; -1 when they are not there. */
static long lex_hex4(sl_lexer *lx)
{
    long v = 0;
    for (size_t i = 0; i < 4; i++) {
        int h = hex_value(peek_byte(lx, i));
        if (h < 0) {
            return -1;
        }
        v = v * 16 + h;
    }
    for (int i = 0; i < 4; i++) {
        advance(lx, 1);
    }
    return v;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* "\uXXXX", with a following "\uXXXX" for a surrogate pair. The lexer stands after "\u". */
static bool lex_unicode_escape(sl_lexer *lx, char *out, size_t *n)
{
    long hi = lex_hex4(lx);
    if (hi < 0 || (hi >= 0xDC00 && hi <= 0xDFFF)) {
        return false;
    }
    uint32_t cp = (uint32_t)hi;
    if (hi >= 0xD800 && hi <= 0xDBFF) {
        if (peek_byte(lx, 0) != '\\' || peek_byte(lx, 1) != 'u') {
            return false;
        }
        advance(lx, 1);
        advance(lx, 1);
        long lo = lex_hex4(lx);
        if (lo < 0xDC00 || lo > 0xDFFF) {
            return false;
        }
        cp = 0x10000 + (((uint32_t)hi - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
    }
    *n = utf8_encode(cp, out);
    return true;
}

/* One escape; the lexer stands on the character after the backslash. Appends to `buf`. */
static bool lex_escape(sl_lexer *lx, char *buf, size_t *len)
{
    int c = peek_byte(lx, 0);
    const char *simple = "\\\\''\"\"b\bf\fn\nr\rt\t";
    for (const char *p = simple; *p != '\0'; p += 2) {
        if (c == p[0]) {
            buf[(*len)++] = p[1];
            advance(lx, 1);
            return true;
        }
    }
    if (c == 'u') {
        advance(lx, 1);
        size_t n = 0;
        if (!lex_unicode_escape(lx, buf + *len, &n)) {
            return false;
        }
        *len += n;
        return true;
    }
    buf[(*len)++] = '\\'; /* unknown escapes keep their backslash (JEXL's StringParser) */
    return true;
}

static void lex_string(sl_lexer *lx, sl_tok *t)
{
    char quote = lx->src[lx->pos];
    advance(lx, 1);
    /* The decoded text is never longer than the source text up to the closing quote. */
    size_t raw = 0;
    while (lx->pos + raw < lx->len && lx->src[lx->pos + raw] != quote) {
        raw += lx->src[lx->pos + raw] == '\\' && lx->pos + raw + 1 < lx->len ? 2 : 1;
    }
    char *buf = sl_arena_alloc(lx->arena, raw + 1);
    size_t len = 0;
    for (;;) {
        int c = peek_byte(lx, 0);
        if (c < 0) {
            t->len = lx->pos - t->off;
            set_error(t, "unterminated string");
            return;
        }
        if (c == quote) {
            advance(lx, 1);
            break;
        }
        if (c == '\\') {
            int line = lx->line;
            int col = lx->col;
            advance(lx, 1);
            if (peek_byte(lx, 0) < 0 || !lex_escape(lx, buf, &len)) {
                t->line = line;
                t->col = col;
                t->len = lx->pos - t->off;
                set_error(t, "invalid escape in a string");
                return;
            }
            continue;
        }
        uint32_t cp = 0;
        size_t n = sl__utf8_decode(lx->src + lx->pos, lx->len - lx->pos, &cp);
        if (n == 0) {
            t->line = lx->line;
            t->col = lx->col;
            advance(lx, 1);
            t->len = lx->pos - t->off;
            set_error(t, "invalid UTF-8 in a string");
            return;
        }
        memcpy(buf + len, lx->src + lx->pos, n);
        len += n;
        advance(lx, n);
    }
    buf[len] = '\0';
    t->type = SL_TOK_STR;
    t->str = buf;
    t->slen = len;
    t->len = lx->pos - t->off;
}

/* ${...}: the raw text up to the first unescaped '}'; parse.c splits it into segments. */
static void lex_field(sl_lexer *lx, sl_tok *t)
{
    advance(lx, 1);
    advance(lx, 1);
    size_t start = lx->pos;
    for (;;) {
        int c = peek_byte(lx, 0);
        if (c < 0) {
            t->len = lx->pos - t->off;
            set_error(t, "unterminated ${...} field name");
            return;
        }
        if (c == '}') {
            break;
        }
        if (c == '\\' && peek_byte(lx, 1) >= 0) {
            advance(lx, 1); /* the escaped character is taken as it is */
        }
        uint32_t cp = 0;
        size_t n = sl__utf8_decode(lx->src + lx->pos, lx->len - lx->pos, &cp);
        if (n == 0) {
            advance(lx, 1);
            t->len = lx->pos - t->off;
            set_error(t, "invalid UTF-8 in a ${...} field name");
            return;
        }
        advance(lx, n);
    }
    t->type = SL_TOK_FIELD;
    t->str = lx->src + start;
    t->slen = lx->pos - start;
    advance(lx, 1);
    t->len = lx->pos - t->off;
}

typedef struct punct {
    const char *text;
    sl_tok_type type;
} punct;

/* Longest first. */
static const punct puncts[] = {
    {"&&", SL_TOK_AND},     {"||", SL_TOK_OR},     {"==", SL_TOK_EQ},    {"!=", SL_TOK_NE},
    {"<=", SL_TOK_LE},      {">=", SL_TOK_GE},     {"?:", SL_TOK_ELVIS}, {"??", SL_TOK_COALESCE},
    {"->", SL_TOK_ARROW},   {"(", SL_TOK_LPAREN},  {")", SL_TOK_RPAREN}, {"[", SL_TOK_LBRACKET},
    {"]", SL_TOK_RBRACKET}, {",", SL_TOK_COMMA},   {".", SL_TOK_DOT},    {"?", SL_TOK_QUESTION},
    {":", SL_TOK_COLON},    {"+", SL_TOK_PLUS},    {"-", SL_TOK_MINUS},  {"*", SL_TOK_STAR},
    {"/", SL_TOK_SLASH},    {"%", SL_TOK_PERCENT}, {"!", SL_TOK_NOT},    {"~", SL_TOK_TILDE},
    {"&", SL_TOK_AMP},      {"|", SL_TOK_PIPE},    {"^", SL_TOK_CARET},  {"<", SL_TOK_LT},
    {">", SL_TOK_GT},
};

static bool lex_punct(sl_lexer *lx, sl_tok *t)
{
    for (size_t i = 0; i < sizeof(puncts) / sizeof(puncts[0]); i++) {
        size_t n = strlen(puncts[i].text);
        if (lx->len - lx->pos >= n && memcmp(lx->src + lx->pos, puncts[i].text, n) == 0) {
            for (size_t k = 0; k < n; k++) {
                advance(lx, 1);
            }
            t->type = puncts[i].type;
            t->len = n;
            return true;
        }
    }
    return false;
}

static void lex_other(sl_lexer *lx, sl_tok *t)
{
    int c = peek_byte(lx, 0);
    if (lex_punct(lx, t)) {
        return;
    }
    uint32_t cp = 0;
    size_t n = sl__utf8_decode(lx->src + lx->pos, lx->len - lx->pos, &cp);
    advance(lx, n != 0 ? n : 1);
    t->len = lx->pos - t->off;
    if (c == '=') {
        set_error(t, "'=' is not an operator; compare with '=='");
    } else if (n == 0) {
        (void)snprintf(t->msg, sizeof(t->msg), "invalid UTF-8 byte 0x%02x", (unsigned)c);
        t->type = SL_TOK_ERROR;
    } else if (cp >= 0x21 && cp < 0x7F) {
        (void)snprintf(t->msg, sizeof(t->msg), "unexpected character '%c'", (char)cp);
        t->type = SL_TOK_ERROR;
    } else {
        (void)snprintf(t->msg, sizeof(t->msg), "unexpected character U+%04X", (unsigned)cp);
        t->type = SL_TOK_ERROR;
    }
}

void sl__lex_next(sl_lexer *lx, sl_tok *t)
{
    for (;;) {
        int c = peek_byte(lx, 0);
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            break;
        }
        advance(lx, 1);
    }
    memset(t, 0, sizeof(*t));
    t->off = lx->pos;
    t->ptr = lx->src + lx->pos;
    t->line = lx->line;
    t->col = lx->col;
    int c = peek_byte(lx, 0);
    uint32_t cp = 0;
    size_t n = c >= 0 ? sl__utf8_decode(lx->src + lx->pos, lx->len - lx->pos, &cp) : 0;
    if (c < 0) {
        t->type = SL_TOK_EOF;
    } else if (c == '$' && peek_byte(lx, 1) == '{') {
        lex_field(lx, t);
    } else if (n != 0 && name_start(cp)) {
        lex_name(lx, t);
    } else if (is_digit(c)) {
        lex_number(lx, t);
    } else if (c == '"' || c == '\'') {
        lex_string(lx, t);
    } else {
        lex_other(lx, t);
    }
}

const char *sl__tok_describe(const sl_tok *t, char *buf, size_t cap)
{
    if (t->type == SL_TOK_EOF) {
        (void)snprintf(buf, cap, "end of input");
    } else if (t->type == SL_TOK_STR) {
        (void)snprintf(buf, cap, "string %.*s%s", t->len > 24 ? 24 : (int)t->len, t->ptr,
                       t->len > 24 ? "..." : "");
    } else {
        (void)snprintf(buf, cap, "'%.*s%s'", t->len > 24 ? 24 : (int)t->len, t->ptr,
                       t->len > 24 ? "..." : "");
    }
    return buf;
}
