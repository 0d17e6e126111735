/* libFuzzer target: Telegram update parsing and event derivation, the code every webhook body
 * reaches first. Any input must give AB_OK or AB_ERR_INVALID with a reason, never a crash, a
 * leak or undefined behaviour; run by tests/fuzz/run.sh (ctest: fuzz_update). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fsm/event.h"
#include "telegram/wire_update.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ab_update u;
    char why[200];
    ab_err err = ab_update_parse((const char *)data, size, &u, why, sizeof why);
    if (err == AB_OK) {
        int64_t arg = 0;
        ab_event ev = ab_event_from_update(&u, &arg);
        (void)ab_event_name(ev);
        if (u.callback_data) {
            char buf[65];
            ab_event_callback_data(ab_event_from_callback(u.callback_data, &arg), arg, buf);
        }
        ab_update_free(&u);
    } else if (!why[0]) {
        __builtin_trap(); /* every refusal says why */
    }
    return 0;
}
