import { mount } from 'svelte'
import App from './App.svelte'
import { applyTheme } from './state/preferences.svelte'
import './styles/app.css'

applyTheme()

mount(App, { target: document.getElementById('app') as HTMLElement })
