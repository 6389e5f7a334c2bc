/** Notifications name an alert as the store does (see store/alert-fingerprint.ts). */
export { alertFingerprint } from '../store/alert-fingerprint.js';
