import { createPinia } from 'pinia';
import { createApp } from 'vue';
import { createApiClient } from './api/client';
import { apiClientKey } from './api/useApi';
import App from './App.vue';
import { createAppRouter } from './router';
import './ui/theme.css';

const app = createApp(App);
app.provide(apiClientKey, createApiClient());
app.use(createPinia());
app.use(createAppRouter());
app.mount('#app');
