/* The style presets of generation: what each shows, written for the avatar's gender (the
 * gender the user picked when creating it), as data. Prompts are English, which is what the
 * image models read; a preset's title, in the user's language, is a catalogue text
 * (AB_MSG_PRESET_<id> in ui/messages.h). The trigger word is added by fal/generators.c.
 * Adding a preset is a row here and its title in ui/messages_source.c and the PO files. */
#ifndef AB_CORE_PRESETS_H
#define AB_CORE_PRESETS_H

/* X(id, stored name, prompt for a man, for a woman, for anyone else) */
#define AB_PRESETS(X)                                                                              \
    X(BUSINESS, "business",                                                                        \
      "professional business headshot of a man in a tailored navy suit and white shirt, modern "   \
      "office background softly blurred, natural window light, confident friendly expression, "    \
      "85mm lens, sharp focus",                                                                    \
      "professional business headshot of a woman in a tailored blazer and silk blouse, modern "    \
      "office background softly blurred, natural window light, confident friendly expression, "    \
      "85mm lens, sharp focus",                                                                    \
      "professional business headshot of a person in a tailored dark jacket, modern office "       \
      "background softly blurred, natural window light, confident friendly expression, 85mm "      \
      "lens, sharp focus")                                                                         \
    X(STUDIO, "studio",                                                                            \
      "studio portrait of a man, seamless grey backdrop, soft key light and rim light, crisp "     \
      "details, magazine quality photograph",                                                      \
      "studio portrait of a woman, seamless grey backdrop, soft key light and rim light, crisp "   \
      "details, magazine quality photograph",                                                      \
      "studio portrait of a person, seamless grey backdrop, soft key light and rim light, crisp "  \
      "details, magazine quality photograph")                                                      \
    X(NOIR, "noir",                                                                                \
      "black and white film noir portrait of a man in a fedora and trench coat, venetian blind "   \
      "shadows, cigarette smoke, 1940s detective movie still, high contrast",                      \
      "black and white film noir portrait of a woman in a 1940s evening dress, venetian blind "    \
      "shadows, finger waves hairstyle, detective movie still, high contrast",                     \
      "black and white film noir portrait of a person in a trench coat, venetian blind shadows, "  \
      "1940s detective movie still, high contrast")                                                \
    X(PARIS, "paris",                                                                              \
      "travel photo of a man in a casual linen shirt on a Paris street, Eiffel Tower in the "      \
      "background, golden hour, candid smile, 35mm film look",                                     \
      "travel photo of a woman in a light summer dress on a Paris street, Eiffel Tower in the "    \
      "background, golden hour, candid smile, 35mm film look",                                     \
      "travel photo of a person in casual summer clothes on a Paris street, Eiffel Tower in the "  \
      "background, golden hour, candid smile, 35mm film look")                                     \
    X(MOUNTAINS, "mountains",                                                                      \
      "adventure photo of a man in a hiking jacket on a mountain summit at sunrise, dramatic "     \
      "alpine peaks and clouds below, wind in the hair, wide angle",                               \
      "adventure photo of a woman in a hiking jacket on a mountain summit at sunrise, dramatic "   \
      "alpine peaks and clouds below, wind in the hair, wide angle",                               \
      "adventure photo of a person in a hiking jacket on a mountain summit at sunrise, dramatic "  \
      "alpine peaks and clouds below, wind in the hair, wide angle")                               \
    X(BEACH, "beach",                                                                              \
      "relaxed photo of a man in a white linen shirt on a tropical beach at sunset, turquoise "    \
      "water, palm trees, warm light, shallow depth of field",                                     \
      "relaxed photo of a woman in a flowing white sundress on a tropical beach at sunset, "       \
      "turquoise water, palm trees, warm light, shallow depth of field",                           \
      "relaxed photo of a person in white linen clothes on a tropical beach at sunset, turquoise " \
      "water, palm trees, warm light, shallow depth of field")                                     \
    X(ELF, "elf",                                                                                  \
      "fantasy portrait of a man as an elven ranger with pointed ears, leather armour and a "      \
      "bow, enchanted forest with glowing lights, cinematic, highly detailed",                     \
      "fantasy portrait of a woman as an elven sorceress with pointed ears, flowing robes and a "  \
      "silver circlet, enchanted forest with glowing lights, cinematic, highly detailed",          \
      "fantasy portrait of a person as an elf with pointed ears and a hooded cloak, enchanted "    \
      "forest with glowing lights, cinematic, highly detailed")                                    \
    X(KNIGHT, "knight",                                                                            \
      "epic portrait of a man as a medieval knight in polished plate armour, castle courtyard, "   \
      "banners in the wind, dramatic sky, oil painting realism",                                   \
      "epic portrait of a woman as a medieval knight in polished plate armour, castle "            \
      "courtyard, banners in the wind, dramatic sky, oil painting realism",                        \
      "epic portrait of a person as a medieval knight in polished plate armour, castle "           \
      "courtyard, banners in the wind, dramatic sky, oil painting realism")                        \
    X(ASTRONAUT, "astronaut",                                                                      \
      "cinematic photo of a man as an astronaut in a white spacesuit, helmet under the arm, "      \
      "inside a spacecraft with Earth in the window, soft blue light",                             \
      "cinematic photo of a woman as an astronaut in a white spacesuit, helmet under the arm, "    \
      "inside a spacecraft with Earth in the window, soft blue light",                             \
      "cinematic photo of a person as an astronaut in a white spacesuit, helmet under the arm, "   \
      "inside a spacecraft with Earth in the window, soft blue light")                             \
    X(CYBERPUNK, "cyberpunk",                                                                      \
      "cyberpunk portrait of a man in a futuristic jacket, neon-lit rainy city street at night, "  \
      "reflections, pink and teal light, blade runner mood",                                       \
      "cyberpunk portrait of a woman in a futuristic jacket, neon-lit rainy city street at "       \
      "night, reflections, pink and teal light, blade runner mood",                                \
      "cyberpunk portrait of a person in a futuristic jacket, neon-lit rainy city street at "      \
      "night, reflections, pink and teal light, blade runner mood")                                \
    X(WATERCOLOR, "watercolor",                                                                    \
      "delicate watercolor painting of a man, loose brush strokes, soft pastel colours, white "    \
      "paper texture, artistic portrait",                                                          \
      "delicate watercolor painting of a woman, loose brush strokes, soft pastel colours, white "  \
      "paper texture, artistic portrait",                                                          \
      "delicate watercolor painting of a person, loose brush strokes, soft pastel colours, "       \
      "white paper texture, artistic portrait")                                                    \
    X(OIL, "oil",                                                                                  \
      "classical oil painting portrait of a man in renaissance clothing, rich dark background, "   \
      "Rembrandt lighting, visible brush strokes, museum piece",                                   \
      "classical oil painting portrait of a woman in renaissance clothing, rich dark "             \
      "background, Rembrandt lighting, visible brush strokes, museum piece",                       \
      "classical oil painting portrait of a person in renaissance clothing, rich dark "            \
      "background, Rembrandt lighting, visible brush strokes, museum piece")

typedef enum {
#define AB_PRESET_ENUM(id, name, male, female, other) AB_PRESET_##id,
    AB_PRESETS(AB_PRESET_ENUM)
#undef AB_PRESET_ENUM
        AB_PRESET__COUNT
} ab_preset;

/** The stored name of a preset ("business"); NULL out of range. */
const char *ab_preset_name(ab_preset p);
/** The preset a stored name stands for; AB_PRESET__COUNT when none. */
ab_preset ab_preset_parse(const char *name);
/** What the preset shows for an avatar of gender ("male", "female", else anyone); NULL out of
 *  range. */
const char *ab_preset_prompt(ab_preset p, const char *gender);

#endif
