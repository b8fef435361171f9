// fmt's implementation, compiled once for the whole binary. Debian ships fmt as a shared library and
// as headers; header-only mode (FMT_HEADER_ONLY) compiled format-inl.h into every file that logs. The
// non-template functions of format-inl.h are defined here; the templates fmt's headers declare
// `extern template` are instantiated here, for char, the only character type proctrail formats.
#ifdef FMT_HEADER_ONLY
#error "common/fmt_build.cpp is built only without FMT_HEADER_ONLY (PROCTRAIL_STATIC_DEPS)"
#endif

#include <fmt/format-inl.h>

namespace fmt::detail {

template auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template auto decimal_point_impl<char>(locale_ref) -> char;
template auto thousands_sep_impl<wchar_t>(locale_ref) -> thousands_sep_result<wchar_t>;
template auto decimal_point_impl<wchar_t>(locale_ref) -> wchar_t;

}  // namespace fmt::detail
