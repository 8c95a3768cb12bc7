/* quantize.c — a GGUF file rewritten with its weights in another type. */
#include "base/error.h"
#include "convert/convert.h"

gorilla_status gorilla_quantize(const char *in_path, const char *out_path, int type, gorilla_convert_info *info,
                                gorilla_error *err)
{
    (void)out_path;
    (void)type;
    (void)info;
    return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: quantize is not implemented yet", in_path);
}
