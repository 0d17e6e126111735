/* libFuzzer target: Telegram update parsing and event derivation, the code every webhook body
 * reaches first. Any input must give AB_OK or AB_ERR_INVALID with a reason, never a crash, a
 * leak or undefined behaviour; run by tests/fuzz/run.sh (ctest: fuzz_update). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fsm/event.h"
#include "telegram/wire_update.h"
#include "ui/buttons.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ab_update u;
    char why[200];
    ab_err err = ab_update_parse((const char *)data, size, &u, why, sizeof why);
    if (err == AB_OK) {
        int64_t arg = 0;
        ab_event ev = ab_event_from_update(&u, &arg);
        (void)ab_event_name(ev);
        ab_button b = ab_button_parse(u.callback_data, &arg);
        char buf[65];
        /* the parse is strict: a button read back is written exactly as it came */
        if (b != AB_BTN__COUNT && strcmp(ab_button_data(b, arg, buf), u.callback_data) != 0)
            __builtin_trap();
        ab_update_free(&u);
    } else if (!why[0]) {
        __builtin_trap(); /* every refusal says why */
    }
    return 0;
}
