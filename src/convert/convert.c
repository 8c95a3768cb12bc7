/* convert.c — the public entry points: input detection and type names. */
#include <strings.h>
#include <sys/stat.h>

#include "base/error.h"
#include "convert/convert.h"
#include "llm/quant/quant.h"

int gorilla_type_from_name(const char *name)
{
    if (!name) return -1;
    for (uint32_t t = 0; t < QT_COUNT; t++)
        if (qtype_get(t) && strcasecmp(qtype_name(t), name) == 0) return (int)t;
    return -1;
}

const char *gorilla_type_name(int type)
{
    return type < 0 ? "?" : qtype_name((uint32_t)type);
}

gorilla_status gorilla_convert(const char *input, const char *out_path, const gorilla_convert_opts *opts,
                               gorilla_convert_info *info, gorilla_error *err)
{
    struct stat sb;
    if (stat(input, &sb) != 0) return gorilla_fail(err, GORILLA_ERR_IO, "%s: no such file or directory", input);
    if (S_ISDIR(sb.st_mode)) return gorilla_convert_hf(input, out_path, opts, info, err);
    return gorilla_convert_llama2c(input, out_path, opts, info, err);
}
