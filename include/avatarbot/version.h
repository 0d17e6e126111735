/* The version of avatarbot: the one place it is written (CMake reads it from here too). */
#ifndef AVATARBOT_VERSION_H
#define AVATARBOT_VERSION_H

#define AB_VERSION "0.1.0"

#endif
