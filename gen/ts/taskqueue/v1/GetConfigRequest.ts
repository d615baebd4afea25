// Original file: proto/taskqueue/v1/taskqueue_service.proto


export interface GetConfigRequest {
}

export interface GetConfigRequest__Output {
}
