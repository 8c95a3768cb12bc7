/* hf.c — Hugging Face checkpoints to GGUF. */
#include "base/error.h"
#include "convert/convert.h"

gorilla_status gorilla_convert_hf(const char *dir, const char *out_path, const gorilla_convert_opts *opts,
                                  gorilla_convert_info *info, gorilla_error *err)
{
    (void)out_path;
    (void)opts;
    (void)info;
    return gorilla_fail(err, GORILLA_ERR_UNSUPPORTED, "%s: Hugging Face checkpoints are not converted yet", dir);
}
