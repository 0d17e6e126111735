/* The preset table's lookups (see presets.h). */
#include "core/presets.h"

#include <string.h>

static const struct {
    const char *name, *male, *female, *other;
} PRESETS[AB_PRESET__COUNT] = {
#define AB_PRESET_ROW(id, name, male, female, other) [AB_PRESET_##id] = {name, male, female, other},
    AB_PRESETS(AB_PRESET_ROW)
#undef AB_PRESET_ROW
};

const char *ab_preset_name(ab_preset p)
{
    return (unsigned)p < AB_PRESET__COUNT ? PRESETS[p].name : NULL;
}

ab_preset ab_preset_parse(const char *name)
{
    for (int p = 0; name && p < AB_PRESET__COUNT; p++)
        if (strcmp(PRESETS[p].name, name) == 0)
            return (ab_preset)p;
    return AB_PRESET__COUNT;
}

const char *ab_preset_prompt(ab_preset p, const char *gender)
{
    if ((unsigned)p >= AB_PRESET__COUNT)
        return NULL;
    if (gender && strcmp(gender, "male") == 0)
        return PRESETS[p].male;
    if (gender && strcmp(gender, "female") == 0)
        return PRESETS[p].female;
    return PRESETS[p].other;
}
