/** Notification categories (tabs, counts, preferences) and action ids: `^[a-z0-9_.-]{1,64}$`. */
export const CATEGORY_PATTERN = /^[a-z0-9_.-]{1,64}$/;

/** The category of a notification whose sender names none. */
export const DEFAULT_CATEGORY = 'general';
