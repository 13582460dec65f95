/* SPDX-License-Identifier: Apache-2.0 */
/* Placeholder until the configuration loader lands. */
#include "config.h"
