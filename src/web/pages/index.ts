export { settingsPage, type SettingsModel } from './settings-page.js';
export { ruleFormPage, type RuleFormModel } from './rule-form.js';
export { destinationFormPage, draftOfDestination, newDestinationDraft, verifyPage, type DestinationDraft, type DestinationFormModel, type VerifyModel } from './destination-form.js';
export { inboxPage } from './inbox-page.js';
export { adminRulesPage } from './admin-page.js';
export { loginPage, errorPage, type LoginModel } from './login-page.js';
export * from './describe.js';
